"""A real browser for the e2e tier: Debian's Chromium driven by Playwright, headless.

`make test` installs Debian's `chromium` when it is missing; REELSTACK_CHROMIUM names any
other Chromium binary. Playwright's own browser download is not used (this machine cannot
fetch it, and a system browser is what a developer has anyway).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page, Request, expect, sync_playwright

# Chromium's background services call Google's hosts, which this network refuses.
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--autoplay-policy=no-user-gesture-required"]


def chromium_binary() -> str:
    found = os.environ.get("REELSTACK_CHROMIUM") or shutil.which("chromium") \
        or shutil.which("chromium-browser")
    if not found:
        raise AssertionError("no Chromium: `make test` installs Debian's chromium, or set "
                             "REELSTACK_CHROMIUM to a Chromium binary")
    return found


@contextmanager
def headless_chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_binary(), headless=True,
                                             args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Tab:
    """One page in its own browser context (its own cookies and localStorage, as a second
    device would have), recording what it sent and what went wrong in it."""

    context: BrowserContext
    page: Page
    shots: Path
    sent: list[Request] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # uncaught exceptions in the page
    console: list[str] = field(default_factory=list)  # console errors (failed loads too)

    def requests_to(self, path: str, method: str = "POST") -> list[Request]:
        return [r for r in self.sent if r.method == method and path in r.url]

    def bodies_to(self, path: str) -> list[dict[str, Any]]:
        """The JSON bodies this page POSTed to a path, oldest first."""
        return [r.post_data_json or {} for r in self.requests_to(path)]

    def shot(self, name: str) -> Path:
        path = self.shots / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def evaluate(self, script: str, arg: Any = None) -> Any:
        return self.page.evaluate(script, arg)

    def unlabelled_controls(self) -> list[str]:
        """Visible form controls and buttons a screen reader could not name."""
        return list(self.page.evaluate(UNLABELLED_CONTROLS))


UNLABELLED_CONTROLS = """() => [...document.querySelectorAll(
    'input:not([type=hidden]), select, textarea, button')]
  .filter((control) => control.offsetParent !== null)
  .filter((control) => !(control.labels?.length || control.getAttribute('aria-label')
    || control.getAttribute('aria-labelledby') || control.textContent.trim()))
  .map((control) => control.outerHTML.slice(0, 120))"""


def open_tab(browser: Browser, shots: Path, name: str) -> Tab:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(15_000)
    tab = Tab(context, context.new_page(), shots)
    # A bound builtin (list.append) cannot be a Playwright listener, hence the lambda.
    tab.page.on("request", lambda request: tab.sent.append(request))  # noqa: PLW0108
    tab.page.on("pageerror", lambda error: tab.errors.append(f"{name}: {error}"))
    tab.page.on("console", _console_errors(tab, name))
    return tab


def _console_errors(tab: Tab, name: str) -> Callable[[Any], None]:
    def record(message: Any) -> None:
        if message.type == "error":
            tab.console.append(f"{name}: {message.text}")
    return record


def sign_in(tab: Tab, web_url: str, email: str, password: str) -> None:
    """Through the web player's own sign-in form, until it shows "Sign out"."""
    page = tab.page
    page.goto(f"{web_url}/login")
    form = page.locator("#login-form")
    form.get_by_label("Email").fill(email)
    form.get_by_label("Password", exact=True).fill(password)
    form.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
