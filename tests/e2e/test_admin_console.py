"""The admin console (`/admin`) in a real browser against `make run`'s processes: an upload
in several parts that loses its connection, is reloaded half-way and resumes without
sending a part twice; the pipeline showing it go processing -> ready with a moving
percent; a title edit; a viewer finding and playing it; a request approved from the queue.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser, Route, expect

from chalicelib.core import envvars
from devstack.demo_requests import DEMO_FILMS
from devstack.ffmpeg import ffmpeg_binary
from tests.support.browser import Tab, headless_chromium, open_tab
from tests.support.browser import sign_in as browser_sign_in
from tests.support.dev_stack import DevStack, admin_token, running_dev_stack, signed_up, wait_for
from tests.support.media import render_sources

pytestmark = pytest.mark.e2e
PREFIX = "reelstack-admin"
PASSWORD = "an admin's passphrase"
MIB = 1024 * 1024
ROOT = Path(__file__).resolve().parents[2]
LATER_PARTS = re.compile(r"[?&]partNumber=([2-9]|\d\d+)(&|$)")
PLAYER = "document.getElementById('player')?"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevStack]:
    log = tmp_path_factory.mktemp("admin-console") / "make-run.log"
    # Multipart in 5 MiB parts (the least S3 takes), so that a few MB make three parts;
    # requests wait in the queue for an admin; the pipeline polls often for one account;
    # the transcoder reads no faster than real time, so the 15 s clip spends 15 s or more
    # being encoded, whatever the machine's speed, and the pipeline sees its percent move.
    with running_dev_stack(ROOT, log, PREFIX, {
            envvars.TRANSCODE_READ_RATE: "1",
            envvars.UPLOAD_SINGLE_PUT_MAX_BYTES: str(MIB),
            envvars.UPLOAD_PART_BYTES: str(5 * MIB),
            envvars.REQUESTS_AUTO_APPROVE: "false",
            envvars.REQUESTS_PER_MINUTE: "600"}) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with headless_chromium() as chromium:
        yield chromium


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("admin-console-screenshots")


@pytest.fixture(scope="module")
def admin_email(stack: DevStack) -> str:
    email = f"admin-{time.monotonic_ns()}@example.com"
    admin_token(stack, email, PASSWORD)  # made as `make admin` makes one
    return email


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About 11.7 MB (three 5 MiB parts): 15 s of noisy 360p at a high bitrate, small to
    decode but long enough that the transcoder reports progress more than once."""
    folder = tmp_path_factory.mktemp("admin-clip")
    return render_sources(str(ffmpeg_binary()), folder, {"night_harbour.mp4": [
        "-f", "lavfi", "-i", "testsrc2=s=640x360:r=25:d=15,noise=alls=40:allf=t",
        "-f", "lavfi", "-i", "sine=frequency=220:duration=15", "-c:v", "libx264",
        "-preset", "ultrafast", "-b:v", "6800k", "-maxrate", "6800k", "-bufsize", "1M",
        "-c:a", "aac", "-b:a", "64k", "-shortest"]}) / "night_harbour.mp4"


def sign_in(tab: Tab, stack: DevStack, email: str, password: str = PASSWORD) -> None:
    browser_sign_in(tab, stack.web_url, email, password)


def lose_connection(route: Route) -> None:
    route.abort("connectionreset")


def test_an_upload_resumes_after_a_reload_and_plays_for_a_viewer(
    stack: DevStack, browser: Browser, shots: Path, admin_email: str, clip: Path
) -> None:
    assert clip.stat().st_size > 10 * MIB, clip.stat().st_size
    tab = open_tab(browser, shots, "admin")
    page = tab.page
    sign_in(tab, stack, admin_email)
    page.locator("#site-nav").get_by_role("link", name="Admin").click()
    expect(page.locator("#pipeline")).to_be_visible()
    page.locator(".admin-nav").get_by_role("link", name="Upload").click()

    movie_id = upload_with_a_reload_half_way(tab, stack, clip)
    follow_to_ready(tab, movie_id)

    page.goto(f"{stack.web_url}/admin/movies/{movie_id}")
    page.get_by_label("Title").fill("Night Harbour (restored)")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("alert")).to_contain_text("Saved")
    assert tab.unlabelled_controls() == []
    tab.shot("04-edited")
    assert not tab.errors, tab.errors
    tab.context.close()
    a_viewer_finds_and_plays(stack, browser, shots, movie_id)


def upload_with_a_reload_half_way(tab: Tab, stack: DevStack, clip: Path) -> str:
    """A new movie's upload: the parts after the first lose their connection, the page is
    reloaded, the same file chosen again; returns the movie's id."""
    page = tab.page
    page.get_by_label("New movie title").fill("Night Harbour")
    page.get_by_role("button", name="Create draft").click()
    movies = page.get_by_label("Existing movie")
    expect(movies).to_have_value(re.compile("^[0-9a-f]{32}$"))
    movie_id = movies.input_value()
    page.route(LATER_PARTS, lose_connection)  # only the first part gets through
    page.locator("#upload-file").set_input_files(str(clip))
    page.get_by_role("button", name="Start upload").click()
    s3, bucket = stack.client("s3"), f"{PREFIX}-uploads"

    def first_part_stored() -> bool:
        uploads = s3.list_multipart_uploads(Bucket=bucket, Prefix=f"videos/{movie_id}/")
        return any(s3.list_parts(Bucket=bucket, Key=u["Key"], UploadId=u["UploadId"]).get("Parts")
                   for u in uploads.get("Uploads", []))

    wait_for(first_part_stored, 60, "the first part in S3")
    expect(page.locator("#upload-status")).to_contain_text("retrying")
    tab.shot("01-connection-lost")
    assert tab.unlabelled_controls() == []

    page.unroute(LATER_PARTS)
    page.reload()  # half-way: the page forgets the upload, the browser's storage does not
    resumed_from = len(tab.sent)
    page.locator("#upload-file").set_input_files(str(clip))
    expect(page.locator("#upload-file-info")).to_contain_text("resumes where it stopped")
    expect(page.get_by_label("Existing movie")).to_have_value(movie_id)
    page.get_by_role("button", name="Start upload").click()
    expect(page.locator("#upload-status")).to_contain_text("Uploaded", timeout=60_000)
    sent_again = sorted(int(m.group(1)) for r in tab.sent[resumed_from:]
                        if r.method == "PUT" and (m := re.search(r"[?&]partNumber=(\d+)", r.url)))
    assert sent_again == [2, 3], sent_again  # part 1 was not sent twice
    tab.shot("02-uploaded")
    return movie_id


def follow_to_ready(tab: Tab, movie_id: str) -> None:
    page = tab.page
    page.get_by_role("link", name="Follow it in the pipeline").click()
    row = page.locator(f'#pipeline li[data-movie-id="{movie_id}"]')
    statuses: list[str] = []
    percents: set[str] = set()

    def published() -> bool:
        if row.count():
            statuses.append(row.get_attribute("data-status") or "")
            percents.update(row.locator(".percent").all_inner_texts())
        assert "failed" not in statuses, row.inner_text()
        return bool(statuses) and statuses[-1] == "ready"

    wait_for(published, 240, "the upload to be transcoded")
    assert {"processing", "playable"} & set(statuses), statuses  # playable: issue 17
    assert len(percents) >= 2, percents  # the percent moved while it was processed
    tab.shot("03-pipeline-ready")


def a_viewer_finds_and_plays(stack: DevStack, browser: Browser, shots: Path,
                             movie_id: str) -> None:
    viewer_email = f"viewer-{time.monotonic_ns()}@example.com"
    signed_up(stack, viewer_email, "a viewer's passphrase")
    viewer = open_tab(browser, shots, "viewer")
    sign_in(viewer, stack, viewer_email, "a viewer's passphrase")
    assert not viewer.page.locator("#site-nav").get_by_role("link", name="Admin").count()
    viewer.page.get_by_label("Search").fill("restored")
    viewer.page.locator(f'#catalog a.card[href="/movie/{movie_id}"]').click()
    expect(viewer.page.get_by_role("heading", level=1)).to_have_text("Night Harbour (restored)")
    viewer.page.get_by_role("link", name="Play").click()
    viewer.page.wait_for_function(f"{PLAYER}.currentTime > 1", timeout=30_000)
    viewer.shot("05-viewer-plays")
    assert not viewer.errors, viewer.errors
    viewer.context.close()


def test_an_admin_approves_a_request_from_the_queue(
    stack: DevStack, browser: Browser, shots: Path, admin_email: str
) -> None:
    tmdb_id, title, year = DEMO_FILMS[-1][:3]
    asker = signed_up(stack, f"asker-{time.monotonic_ns()}@example.com", "an asker's passphrase")
    asked = asker.post(f"{stack.api_url}/api/requests/", json={"tmdb_id": tmdb_id}, timeout=10)
    assert asked.status_code == 202 and asked.json()["state"] == "requested", asked.text

    tab = open_tab(browser, shots, "admin-requests")
    page = tab.page
    sign_in(tab, stack, admin_email)
    page.goto(f"{stack.web_url}/admin/requests")
    item = page.locator(f'li[data-request-id="{asked.json()["request_id"]}"]')
    expect(item).to_contain_text(f"{title} ({year})")
    expect(item.locator(".timeline li")).to_have_count(1)
    assert tab.unlabelled_controls() == []
    item.get_by_role("button", name=f"Approve {title} ({year})").click()
    expect(page.get_by_role("alert")).to_contain_text("approved")
    tab.shot("06-request-approved")

    def approved() -> bool:
        mine = asker.get(f"{stack.api_url}/api/requests/{asked.json()['request_id']}/",
                         timeout=10).json()
        return "approved" in [entry["state"] for entry in mine["timeline"]]

    wait_for(approved, 30, "the request to be approved")
    assert not tab.errors, tab.errors
    tab.context.close()
    assert isinstance(asker, requests.Session)
