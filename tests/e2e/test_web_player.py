"""The reference web player (`web/`) in a real browser against `make run`'s processes:
cookies, CORS, hls.js, heartbeats, the stream limit and playing a movie while it is still
transcoded proven together.

A viewer signs up, activates from the e-mail and asks for a movie through the page; the
local TMDb, download server, ffmpeg and the dispatcher make it ready. Screenshots land in
the tests' output folder (printed at the end of each test).
"""

from __future__ import annotations

import math
import re
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import Browser, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from chalicelib.core import envvars
from devstack.demo_requests import DEMO_FILMS
from devstack.ffmpeg import ffmpeg_binary
from devstack.web_server import PAGE_SIZE_VARIABLE
from tests.support.browser import Tab, headless_chromium, open_tab
from tests.support.browser import sign_in as browser_sign_in
from tests.support.dev_stack import (
    DevStack,
    activation_link,
    admin_token,
    running_dev_stack,
    wait_for,
)

pytestmark = pytest.mark.e2e
PREFIX = "reelstack-web"
PASSWORD = "a viewer's passphrase"
BIG_BUCK_BUNNY, TITLE = DEMO_FILMS[-1][0], DEMO_FILMS[-1][1]
# A second film, so that the catalog has a next page (one card a page here) and a genre
# (Action) that Big Buck Bunny lacks.
THE_GENERAL = next(film for film in DEMO_FILMS if film[1] == "The General")
# One stream, up to 1080p: the ladder's two renditions of the 720p clip, and a limit a
# second browser runs into.
SOLO_PLAN = {"plan_id": "solo-hd", "name": "Solo HD", "max_streams": 1, "max_resolution": 1080}
PLAYER = "document.getElementById('player')?"


@dataclass(frozen=True)
class Viewer:
    email: str
    movie_id: str  # Big Buck Bunny's
    other_movie_id: str  # The General's


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevStack]:
    log = tmp_path_factory.mktemp("web-player") / "make-run.log"
    root = Path(__file__).resolve().parents[2]
    # Heartbeats every 2 s so that the test sees them (and an eviction) quickly. One account
    # acts as four browsers within a minute or two here, more than a person does: the
    # per-user limit (60 a minute) would answer 429 (which the page shows, with a retry).
    # One catalog card a page, so that two films make the page scroll to a second one.
    # Sources are read no faster than real time, so that a long one is still being
    # transcoded while the page plays it.
    with running_dev_stack(root, log, PREFIX, {envvars.HEARTBEAT_SECONDS: "2",
                                               envvars.REQUESTS_PER_MINUTE: "600",
                                               envvars.TRANSCODE_READ_RATE: "1",
                                               PAGE_SIZE_VARIABLE: "1"}) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with headless_chromium() as chromium:
        yield chromium


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("web-player-screenshots")


def sign_in(tab: Tab, stack: DevStack, email: str) -> None:
    browser_sign_in(tab, stack.web_url, email, PASSWORD)


@pytest.fixture(scope="module")
def viewer(stack: DevStack, browser: Browser, shots: Path) -> Iterator[Viewer]:
    """Sign up, activate, sign in and ask for a movie, all through the page, until the
    request's timeline shows it ready."""
    email = f"viewer-{time.monotonic_ns()}@example.com"
    tab = open_tab(browser, shots, "sign-up")
    page = tab.page
    try:
        page.goto(f"{stack.web_url}/register")
        form = page.locator("#register-form")
        form.get_by_label("Email").fill(email)
        form.get_by_label("Password", exact=True).fill(PASSWORD)
        form.get_by_label("Confirm password").fill(PASSWORD)
        form.get_by_role("button", name="Create account").click()
        expect(page.get_by_text(re.compile("activation link", re.I))).to_be_visible()
        tab.shot("01-registered")
        assert tab.unlabelled_controls() == []

        link = activation_link(stack, email)
        assert link.startswith(f"{stack.web_url}/activate/"), link
        page.goto(link)
        expect(page.locator("#activation-status")).to_contain_text("active")
        sign_in(tab, stack, email)
        give_plan(stack, tab)

        page.get_by_role("link", name="Requests").click()
        form = page.locator("#request-form")
        form.get_by_label("TMDb id").fill(str(BIG_BUCK_BUNNY))
        form.get_by_role("button", name="Request").click()
        expect(page.locator("#requests a", has_text=TITLE)).to_be_visible()
        form.get_by_label("TMDb id").fill("")
        form.get_by_label("Title").fill(THE_GENERAL[1])  # by title and year, through TMDb
        form.get_by_label("Year").fill(str(THE_GENERAL[2]))
        form.get_by_role("button", name="Request").click()
        expect(page.locator("#requests a", has_text=THE_GENERAL[1])).to_be_visible()
        assert tab.unlabelled_controls() == []
        page.locator("#requests a", has_text=TITLE).first.click()
        timeline = page.locator("#timeline li")
        expect(timeline.last).to_contain_text("ready", timeout=240_000)
        assert [t.split()[0].lower() for t in timeline.all_inner_texts()] == [
            "requested", "approved", "acquiring", "transcoding", "ready"]
        tab.shot("02-request-ready")
        watch = page.get_by_role("link", name="Watch now").get_attribute("href") or ""
        movie_id = watch.rstrip("/").rsplit("/", 1)[-1]
        assert movie_id, watch
        other_movie_id = ready_movie(tab, stack, THE_GENERAL[1])
        assert not tab.errors, tab.errors
    finally:
        tab.context.close()
    yield Viewer(email, movie_id, other_movie_id)


def ready_movie(tab: Tab, stack: DevStack, title: str) -> str:
    """The movie of the viewer's request for `title`, once it is ready."""
    found: dict[str, str] = {}

    def ready() -> bool:
        mine = tab.context.request.get(f"{stack.api_url}/api/requests/").json()
        found.update(next((r for r in mine if r["title"] == title), {}))
        assert found.get("state") not in ("failed", "rejected"), found
        return found.get("state") == "ready"

    wait_for(ready, 240, f"{title} to be ready")
    return found["movie_id"]


def give_plan(stack: DevStack, tab: Tab) -> None:
    admin = admin_token(stack, f"admin-{time.monotonic_ns()}@example.com", "an admin passphrase")
    me = tab.context.request.get(f"{stack.api_url}/api/me/")
    assert me.ok, me.text()
    created = requests.post(f"{stack.api_url}/api/admin/plans/", json=SOLO_PLAN, headers=admin,
                            timeout=10)
    assert created.status_code in (201, 409), created.text
    assigned = requests.put(f"{stack.api_url}/api/admin/users/{me.json()['id']}/plan/",
                            json={"plan_id": SOLO_PLAN["plan_id"]}, headers=admin, timeout=10)
    assert assigned.status_code == 200, assigned.text


@pytest.fixture
def signed_in(stack: DevStack, viewer: Viewer, browser: Browser,
              shots: Path) -> Iterator[Callable[[str], Tab]]:
    """Opens a page in a browser context of its own (a device of its own), signed in as
    the viewer; fails the test on any uncaught error in those pages."""
    opened: list[Tab] = []

    def open_signed_in(name: str) -> Tab:
        tab = open_tab(browser, shots, name)
        opened.append(tab)
        sign_in(tab, stack, viewer.email)
        return tab

    yield open_signed_in
    for tab in opened:
        tab.context.close()
    print(f"\nscreenshots: {shots}")
    uncaught = [error for tab in opened for error in tab.errors]
    assert not uncaught, f"uncaught errors in the page: {uncaught}"


def playing_past(tab: Tab, seconds: float, timeout: float = 30_000) -> float:
    try:
        tab.page.wait_for_function(f"{PLAYER}.currentTime > {seconds}", timeout=timeout)
    except PlaywrightTimeout:
        state = tab.evaluate(f"({{t: {PLAYER}.currentTime, paused: {PLAYER}.paused, "
                             f"ready: {PLAYER}.readyState, error: {PLAYER}.error?.message}})")
        raise AssertionError(f"not playing past {seconds} s: {state}; see "
                             f"{tab.shot('not-playing')}; console: {tab.console}") from None
    return float(tab.evaluate(f"{PLAYER}.currentTime"))


def test_catalog_movie_page_review_and_my_list(
    stack: DevStack, viewer: Viewer, signed_in: Callable[[str], Tab]
) -> None:
    tab = signed_in("catalog")
    page = tab.page

    card = page.locator(f'#catalog a.card[href="/movie/{viewer.movie_id}"]')
    other = page.locator(f'#catalog a.card[href="/movie/{viewer.other_movie_id}"]')
    # One card a page: the second arrives by scrolling (the next page's cursor).
    expect(card).to_be_visible()
    expect(other).to_be_visible()
    assert tab.requests_to("cursor=", method="GET"), "no next page was loaded"
    expect(card.locator("img")).to_have_attribute("alt", TITLE)
    page.wait_for_function("document.querySelector('#catalog img')?.naturalWidth > 0")
    genres = page.get_by_label("Genre").locator("option").all_inner_texts()
    assert set(DEMO_FILMS[-1][3]) | set(THE_GENERAL[3]) <= set(genres), genres
    page.get_by_label("Genre").select_option(label="Action")
    expect(card).to_have_count(0)
    expect(other).to_be_visible()
    page.get_by_label("Genre").select_option(label="Animation")
    expect(card).to_be_visible()
    expect(other).to_have_count(0)
    page.get_by_label("Genre").select_option(index=0)
    page.get_by_label("Search").fill("bunny")
    expect(card).to_be_visible()
    expect(other).to_have_count(0)
    page.get_by_label("Search").fill("nosuchfilmanywhere")
    expect(card).to_have_count(0)
    page.get_by_label("Search").fill("")
    expect(card).to_be_visible()
    tab.shot("03-catalog")
    assert tab.unlabelled_controls() == []

    card.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.locator("#cast")).to_contain_text(DEMO_FILMS[-1][4])
    # A fulfilled request put the movie on the requester's list.
    toggle = page.locator("#watchlist-toggle")
    expect(toggle).to_have_attribute("aria-pressed", "true")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "false")
    listed = tab.context.request.get(f"{stack.api_url}/api/watchlist/").json()
    assert viewer.movie_id not in [m["movie_id"] for m in listed]
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")

    review = page.locator("#review-form")
    review.get_by_label("Rating").select_option("4")
    review.get_by_label("Review").fill("Short, sweet, and very rabbit.")
    review.get_by_role("button", name="Post review").click()
    expect(page.locator("#reviews")).to_contain_text("very rabbit")
    expect(page.locator("#rating")).to_contain_text("4")
    tab.shot("04-movie")
    assert tab.unlabelled_controls() == []

    page.get_by_role("link", name="My list").click()
    expect(page.locator(f'#my-list a[href="/movie/{viewer.movie_id}"]').first).to_be_visible()


def test_play_heartbeat_resume_and_stop_on_leave(
    stack: DevStack, viewer: Viewer, signed_in: Callable[[str], Tab]
) -> None:
    tab = signed_in("player")
    page = tab.page
    page.goto(f"{stack.web_url}/movie/{viewer.movie_id}")
    page.get_by_role("link", name="Play").click()

    playing_past(tab, 3)
    qualities = page.locator("#quality option").all_inner_texts()
    assert {"480p", "720p"} <= set(qualities), qualities
    levels = [q for q in qualities if q.endswith("p")]
    assert len(levels) >= 2 and "1080p" not in levels  # never above the 720p source
    wait_for(lambda: bool(tab.requests_to("/api/playback/heartbeat/")), 10, "a heartbeat")
    beat = tab.bodies_to("/api/playback/heartbeat/")[0]
    assert beat["watch_session_id"] and beat["position"] >= 0

    seek = page.locator("#seek")
    box = seek.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] / 2)
    preview = page.locator("#trickplay-preview")
    expect(preview).to_be_visible()
    assert "url(" in preview.evaluate("e => getComputedStyle(e).backgroundImage")
    tab.shot("05-playing")
    assert tab.unlabelled_controls() == []

    tab.evaluate(f"{PLAYER}.pause()")
    paused_at = math.floor(float(tab.evaluate(f"{PLAYER}.currentTime")))
    assert paused_at >= 3
    wait_for(lambda: any(body.get("position") == paused_at
                         for body in tab.bodies_to("/api/playback/heartbeat/")),
             10, f"a heartbeat at {paused_at} s")

    with page.expect_response(lambda r: "/api/playback/start/" in r.url) as started:
        page.reload()
    resume = started.value.json()["resume_position"]
    assert abs(resume - paused_at) <= 1, (resume, paused_at)
    page.wait_for_function(f"{PLAYER}.currentTime >= {resume - 0.5}", timeout=20_000)
    assert float(tab.evaluate(f"{PLAYER}.currentTime")) < resume + 4  # resumed, not replayed
    tab.shot("06-resumed")
    tab.evaluate(f"{PLAYER}.pause()")  # short of the 8 s clip's end, so not yet finished

    before = float(tab.evaluate(f"{PLAYER}.currentTime"))
    seek.focus()  # the seek bar by keyboard: a step back, its thumbnail shown
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    expect(preview).to_be_visible()
    page.wait_for_function(f"{PLAYER}.currentTime <= {before - 1}")

    page.get_by_role("link", name="Continue watching").click()
    wait_for(lambda: bool(tab.requests_to("/api/playback/stop/")), 10, "stop on leaving")
    expect(page.locator(f'#continue-watching a[href="/watch/{viewer.movie_id}"]')).to_be_visible()
    active = tab.context.request.get(f"{stack.api_url}/api/playback/active/").json()
    assert active == [], active


def uploaded_until_playable(stack: DevStack, tmp_path: Path, title: str, seconds: int) -> str:
    """An admin's upload of a `seconds`-long source (one small rung and its sound), once
    the catalog says `playable`: it plays while the rest is transcoded (at real time)."""
    source = tmp_path / "source.mp4"
    subprocess.run([str(ffmpeg_binary()), "-v", "error", "-y",
                    "-f", "lavfi", "-i", f"testsrc2=size=640x360:rate=15:duration={seconds}",
                    "-f", "lavfi", "-i", f"sine=frequency=330:duration={seconds}",
                    "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
                    "-c:a", "aac", "-shortest", str(source)], check=True, timeout=120)
    stack.client("s3").upload_file(str(source), f"{PREFIX}-uploads", f"videos/{title}.mp4")
    found: dict[str, str] = {}

    def playable() -> bool:
        for item in stack.client("dynamodb").scan(TableName=f"{PREFIX}-movies")["Items"]:
            if item.get("title", {}).get("S") == title:  # a test-side Scan, not a request's
                found.update(movie_id=item["movie_id"]["S"], status=item["status"]["S"])
        assert found.get("status") not in ("ready", "failed"), found
        return found.get("status") == "playable"

    wait_for(playable, 180, f"{title} to become playable")
    return found["movie_id"]


def test_a_movie_plays_while_it_is_still_being_transcoded(
    stack: DevStack, signed_in: Callable[[str], Tab], tmp_path: Path
) -> None:
    # The source's length is how long its encode goes on behind this test and the next
    # ones (at real time): long enough to play from the start well behind the live edge,
    # and to keep playing while it is still `playable`.
    seconds = 60
    movie_id = uploaded_until_playable(stack, tmp_path, "Still Rolling", seconds=seconds)
    tab = signed_in("playable")
    page = tab.page

    def catalog() -> dict[str, Any]:
        answer = tab.context.request.get(f"{stack.api_url}/api/video/{movie_id}/")
        assert answer.ok, answer.text()
        return dict(answer.json())

    page.goto(f"{stack.web_url}/movie/{movie_id}")
    progress = page.locator("#encode-progress")
    expect(progress).to_contain_text("% encoded")
    # Far enough in (24 s encoded) that the live edge (where hls.js would start an EVENT
    # playlist by default) is well past the start.
    wait_for(lambda: catalog()["progress"] >= 100 * 24 / seconds, 120, "24 s of the encode")
    page.get_by_role("link", name="Play").click()
    expect(progress).to_contain_text("% encoded")  # the player shows it too
    started_at = playing_past(tab, 0.5, timeout=60_000)
    assert started_at < 8, started_at  # from the start, not the edge
    assert catalog()["status"] == "playable"
    playing_past(tab, started_at + 2, timeout=60_000)
    assert catalog()["status"] == "playable"  # it played on while the encode went on
    tab.shot("10-playing-while-transcoded")
    assert tab.unlabelled_controls() == []

    page.get_by_role("link", name="Continue watching").click()
    wait_for(lambda: bool(tab.requests_to("/api/playback/stop/")), 10, "stop on leaving")


def test_a_second_browser_gets_the_stream_limit_and_can_watch_here(
    stack: DevStack, viewer: Viewer, signed_in: Callable[[str], Tab]
) -> None:
    first, second = signed_in("first"), signed_in("second")
    first.page.goto(f"{stack.web_url}/watch/{viewer.movie_id}")
    playing_past(first, 1)

    second.page.goto(f"{stack.web_url}/watch/{viewer.movie_id}")
    dialog = second.page.locator("#stream-limit")
    expect(dialog).to_be_visible()
    second.shot("07-stream-limit")
    expect(dialog.get_by_role("button", name="Watch here instead")).to_be_focused()
    dialog.get_by_role("button", name="Watch here instead").click()
    expect(dialog).to_be_hidden()
    playing_past(second, 1)
    assert any(body.get("steal") is True for body in second.bodies_to("/api/playback/start/"))

    message = first.page.locator("#player-message")
    expect(message).to_contain_text("another device", timeout=10_000)
    assert first.evaluate(f"{PLAYER}.paused")
    first.shot("08-evicted")
    second.shot("09-watching-here")
