"""A watch party in the reference web player: two browsers (two users) against `make
run`'s processes, the WebSocket gateway included. The host's play, pause and seek show in
the guest's player, their `currentTime`s stay within half a second of each other while
they play, and a chat line arrives as text.

REELSTACK_PARTY_DRIFT_SECONDS (10 by default) sets how long the drift is watched; the
clip is that long plus some. The drift seen is printed.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser, expect

from chalicelib.core import envvars
from devstack.ffmpeg import ffmpeg_binary
from tests.support.browser import Tab, headless_chromium, open_tab, sign_in
from tests.support.dev_stack import DevStack, running_dev_stack, signed_up, wait_for

pytestmark = pytest.mark.e2e
PREFIX = "reelstack-party-web"
PASSWORD = "a party-goer's passphrase"
DRIFT_SECONDS = float(os.environ.get("REELSTACK_PARTY_DRIFT_SECONDS", "10"))
CLIP_SECONDS = int(DRIFT_SECONDS) + 25
MAX_DRIFT = 0.5
PLAYER = "document.getElementById('player')"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevStack]:
    log = tmp_path_factory.mktemp("party-web") / "make-run.log"
    root = Path(__file__).resolve().parents[2]
    with running_dev_stack(root, log, PREFIX, {envvars.REQUESTS_PER_MINUTE: "600"}) as running:
        yield running


@pytest.fixture(scope="module")
def movie_id(stack: DevStack, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A clip long enough to watch the drift, uploaded as an admin would, once ready."""
    clip = tmp_path_factory.mktemp("party-clip") / "party-night.mp4"
    seconds = str(CLIP_SECONDS)
    subprocess.run(
        [str(ffmpeg_binary()), "-v", "error", "-y",
         "-f", "lavfi", "-i", f"testsrc2=size=640x360:rate=12:duration={seconds}",
         "-f", "lavfi", "-i", f"sine=frequency=330:duration={seconds}",
         "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac",
         "-shortest", "-movflags", "+faststart", str(clip)], check=True, timeout=120)
    stack.client("s3").upload_file(str(clip), f"{PREFIX}-uploads", "videos/party-night.mp4")
    viewer = signed_up(stack, f"lister-{time.monotonic_ns()}@example.com", PASSWORD)
    found: list[str] = []

    def ready() -> bool:
        cards = viewer.get(f"{stack.api_url}/api/video/", params={"search": "party"},
                           timeout=10).json()
        found[:] = [str(c["movie_id"]) for c in cards if c["title"].lower() == "party night"]
        return bool(found)

    wait_for(ready, 240, "the uploaded clip to be ready")
    return found[0]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with headless_chromium() as chromium:
        yield chromium


def signed_in(browser: Browser, stack: DevStack, shots: Path, name: str) -> Tab:
    email = f"{name}-{time.monotonic_ns()}@example.com"
    signed_up(stack, email, PASSWORD)
    tab = open_tab(browser, shots, name)
    sign_in(tab, stack.web_url, email, PASSWORD)
    return tab


def clock(tab: Tab) -> tuple[float, float, bool]:
    """(currentTime, the page's wall clock in s, paused) read at one instant."""
    read = tab.evaluate(f"({{t: {PLAYER}.currentTime, at: Date.now(), p: {PLAYER}.paused}})")
    return float(read["t"]), float(read["at"]) / 1000, bool(read["p"])


def drift(host: Tab, guest: Tab) -> float:
    """How far the guest is from the host, both read as of the guest's reading."""
    host_time, host_at, host_paused = clock(host)
    guest_time, guest_at, _ = clock(guest)
    return abs(guest_time - (host_time + (0 if host_paused else guest_at - host_at)))


def test_two_browsers_watch_together(stack: DevStack, movie_id: str, browser: Browser,
                                     tmp_path: Path) -> None:
    host, guest = signed_in(browser, stack, tmp_path, "host"), signed_in(browser, stack,
                                                                          tmp_path, "guest")
    try:
        host.page.goto(f"{stack.web_url}/movie/{movie_id}")
        host.page.get_by_role("button", name="Watch together").click()
        host.page.wait_for_url(re.compile(r"/party/[0-9a-f]{32}$"))
        invite = host.page.locator("#invite-link").input_value()
        assert re.search(r"/party/[0-9a-f]{32}\?invite=", invite), invite

        guest.page.goto(invite)
        for tab in (host, guest):
            expect(tab.page.locator("#party-members li")).to_have_count(2)
            expect(tab.page.locator("#party-members .presence.online")).to_have_count(2)
            tab.page.wait_for_function(f"{PLAYER}.readyState >= 2", timeout=30_000)
        expect(guest.page.locator("#party-play")).to_be_disabled()  # the host controls
        host.shot("party-01-host")

        host.page.locator("#party-play").click()
        for tab in (host, guest):
            tab.page.wait_for_function(f"{PLAYER}.currentTime > 1 && !{PLAYER}.paused",
                                       timeout=30_000)
        samples = []
        started = time.monotonic()
        while time.monotonic() - started < DRIFT_SECONDS:
            samples.append(drift(host, guest))
            time.sleep(0.5)
        print(f"\ndrift over {DRIFT_SECONDS:.0f} s ({len(samples)} samples): max "
              f"{max(samples) * 1000:.0f} ms, mean {statistics.mean(samples) * 1000:.0f} ms")
        assert max(samples) <= MAX_DRIFT, samples
        guest.shot("party-02-guest-playing")

        host.page.locator("#party-play").click()  # pause
        guest.page.wait_for_function(f"{PLAYER}.paused", timeout=10_000)
        wait_for(lambda: drift(host, guest) <= MAX_DRIFT, 10, "the paused players to agree")

        host.evaluate("""() => { const seek = document.getElementById('party-seek');
            seek.value = '5'; seek.dispatchEvent(new Event('change')); }""")
        guest.page.wait_for_function(f"Math.abs({PLAYER}.currentTime - 5) < {MAX_DRIFT}",
                                     timeout=10_000)
        assert guest.evaluate(f"{PLAYER}.paused")

        text = "<b>popcorn</b> & <img src=x onerror=alert(1)>"
        guest.page.get_by_label("Message").fill(text)
        guest.page.get_by_role("button", name="Send").click()
        line = host.page.locator("#party-chat li .text").last
        expect(line).to_have_text(text)
        assert host.page.locator("#party-chat b, #party-chat img").count() == 0
        host.shot("party-03-chat")
        assert host.unlabelled_controls() == [] and guest.unlabelled_controls() == []
        assert not host.errors and not guest.errors, host.errors + guest.errors
        assert requests.get(f"{stack.api_url}/api/health/", timeout=5).status_code == 200
    finally:
        host.context.close()
        guest.context.close()
        print(f"screenshots: {tmp_path}")
