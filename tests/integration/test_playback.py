"""Watch sessions (leases, limits, steal, races), resume, and signed HLS delivery."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlparse

import pytest

from chalicelib.core.errors import Conflict
from chalicelib.core.settings import Settings
from chalicelib.playback import service
from chalicelib.playback.inputs import StartPlayback, WatchPosition
from chalicelib.playback.models import DeviceModel
from tests.support.api import Browser
from tests.support.aws_calls import counting_dynamodb_calls
from tests.support.catalog import make_movie, token_headers
from tests.support.factories import TestAccount, make_account, make_admin
from tests.support.hls import make_playable_movie

_devices = itertools.count(1)


class FakeClock:
    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


def device(browser: Browser, headers: dict[str, str]) -> str:
    device_id = f"device-{next(_devices)}"
    created = browser.post("/api/device/", {"name": "Living room", "device_type": "tv",
                                            "device_id": device_id}, headers=headers)
    assert created.status_code == 201, created.json_body
    return device_id


def on_plan(browser: Browser, account: TestAccount, plan_id: str) -> None:
    admin = token_headers(browser, make_admin())
    answer = browser.request("PUT", f"/api/admin/users/{account.user_id}/plan/",
                             {"plan_id": plan_id}, headers=admin)
    assert answer.status_code == 200, answer.json_body


@pytest.fixture
def viewer(browser: Browser) -> tuple[TestAccount, dict[str, str]]:
    account = make_account()
    return account, token_headers(browser, account)


def start(browser: Browser, headers: dict[str, str], movie_id: str, device_id: str,
          **extra: object) -> object:
    return browser.post("/api/playback/start/", {"movie_id": movie_id, "device_id": device_id,
                                                 **extra}, headers=headers)


def test_start_heartbeat_stop(browser: Browser, viewer: tuple[TestAccount, dict[str, str]]
                              ) -> None:
    _, headers = viewer
    movie = make_playable_movie()
    started = start(browser, headers, movie.movie_id, device(browser, headers))

    assert started.status_code == 201  # type: ignore[attr-defined]
    body = started.json_body  # type: ignore[attr-defined]
    assert set(body) == {"watch_session_id", "master_playlist_url", "lease_expires_at",
                         "heartbeat_interval", "resume_position"}
    assert body["heartbeat_interval"] == 30 and body["resume_position"] == 0
    session = body["watch_session_id"]
    beat = browser.post("/api/playback/heartbeat/", {"watch_session_id": session,
                                                     "position": 12.5}, headers=headers)
    assert beat.status_code == 200 and beat.json_body["lease_expires_at"] >= body[
        "lease_expires_at"]
    assert [s["watch_session_id"] for s in
            browser.get("/api/playback/active/", headers=headers).json_body] == [session]
    for _ in range(2):  # idempotent
        assert browser.post("/api/playback/stop/", {"watch_session_id": session,
                                                    "position": 20}, headers=headers
                            ).status_code == 200
    assert browser.get("/api/playback/active/", headers=headers).json_body == []
    gone = browser.post("/api/playback/heartbeat/", {"watch_session_id": session,
                                                     "position": 21}, headers=headers)
    assert gone.status_code == 410


def test_the_stream_limit_then_steal_evicts_the_oldest(
    browser: Browser, viewer: tuple[TestAccount, dict[str, str]]
) -> None:
    _, headers = viewer  # a new account is on the basic plan: one stream
    movie = make_playable_movie()
    first = start(browser, headers, movie.movie_id, device(browser, headers)).json_body  # type: ignore[attr-defined]
    second_device = device(browser, headers)

    refused = start(browser, headers, movie.movie_id, second_device)
    assert refused.status_code == 409  # type: ignore[attr-defined]
    assert refused.json_body["Code"] == "StreamLimitReached"  # type: ignore[attr-defined]
    assert [s["watch_session_id"] for s in refused.json_body["active_sessions"]] == [  # type: ignore[attr-defined]
        first["watch_session_id"]]

    stolen = start(browser, headers, movie.movie_id, second_device, steal=True)
    assert stolen.status_code == 201  # type: ignore[attr-defined]
    evicted = browser.post("/api/playback/heartbeat/", {
        "watch_session_id": first["watch_session_id"], "position": 5}, headers=headers)
    assert evicted.status_code == 410 and evicted.json_body["Code"] == "SessionEvicted"


def test_the_same_device_replaces_its_own_session(
    browser: Browser, viewer: tuple[TestAccount, dict[str, str]]
) -> None:
    _, headers = viewer
    movie, tv = make_playable_movie(), None
    tv = device(browser, headers)
    first = start(browser, headers, movie.movie_id, tv).json_body  # type: ignore[attr-defined]
    again = start(browser, headers, movie.movie_id, tv)

    assert again.status_code == 201  # type: ignore[attr-defined]
    assert len(browser.get("/api/playback/active/", headers=headers).json_body) == 1
    assert browser.post("/api/playback/heartbeat/", {
        "watch_session_id": first["watch_session_id"], "position": 1},
        headers=headers).status_code == 410


def test_evict_a_named_session(browser: Browser, viewer: tuple[TestAccount, dict[str, str]]
                               ) -> None:
    account, headers = viewer
    on_plan(browser, account, "standard")
    movie = make_playable_movie()
    a = start(browser, headers, movie.movie_id, device(browser, headers)).json_body  # type: ignore[attr-defined]
    b = start(browser, headers, movie.movie_id, device(browser, headers)).json_body  # type: ignore[attr-defined]

    start(browser, headers, movie.movie_id, device(browser, headers), steal=True,
          evict_session_id=b["watch_session_id"])

    live = {s["watch_session_id"] for s in
            browser.get("/api/playback/active/", headers=headers).json_body}
    assert a["watch_session_id"] in live and b["watch_session_id"] not in live


def test_a_silent_session_frees_its_slot_when_the_lease_runs_out(
    browser: Browser, viewer: tuple[TestAccount, dict[str, str]]
) -> None:
    account, headers = viewer
    movie = make_playable_movie()
    phone, tablet = device(browser, headers), device(browser, headers)
    clock = FakeClock()
    first = service.start_playback(account.user_id, StartPlayback(movie_id=movie.movie_id,
                                                                   device_id=phone), clock=clock)
    with pytest.raises(Conflict):
        service.start_playback(account.user_id, StartPlayback(movie_id=movie.movie_id,
                                                              device_id=tablet), clock=clock)

    clock.now += 91  # past the 90 s lease without a heartbeat
    service.start_playback(account.user_id, StartPlayback(movie_id=movie.movie_id,
                                                          device_id=tablet), clock=clock)

    with pytest.raises(Exception, match=r"ended|ran out"):
        service.heartbeat(account.user_id, WatchPosition(
            watch_session_id=first.session.session_id, position=3), clock=clock)


def test_thirty_parallel_starts_against_a_limit_of_two(
    browser: Browser, viewer: tuple[TestAccount, dict[str, str]]
) -> None:
    account, _ = viewer
    on_plan(browser, account, "standard")
    movie = make_playable_movie()
    # Thirty different clients: written directly, past the 10-device registration limit,
    # so that no start is a same-device replacement.
    devices = [f"racer-{n}" for n in range(30)]
    with DeviceModel.batch_write() as batch:
        for device_id in devices:
            batch.save(DeviceModel(account.user_id, device_id, name="racer", device_type="tv",
                                   created_at="2026-01-01", updated_at="2026-01-01"))

    def attempt(device_id: str) -> str:
        try:
            service.start_playback(account.user_id, StartPlayback(movie_id=movie.movie_id,
                                                                   device_id=device_id))
        except Conflict:
            return "409"
        return "201"

    with ThreadPoolExecutor(max_workers=10) as pool:
        outcomes = list(pool.map(attempt, devices))

    assert outcomes.count("201") == 2 and outcomes.count("409") == 28


def test_resume_and_continue_watching(browser: Browser,
                                      viewer: tuple[TestAccount, dict[str, str]]) -> None:
    _, headers = viewer
    movie, finished = make_playable_movie("Half Seen"), make_playable_movie("All Seen")
    tv = device(browser, headers)
    for film, position in ((finished, 590), (movie, 120)):
        session = start(browser, headers, film.movie_id, tv).json_body  # type: ignore[attr-defined]
        browser.post("/api/playback/heartbeat/", {"watch_session_id": session[
            "watch_session_id"], "position": position - 10}, headers=headers)
        browser.post("/api/playback/stop/", {"watch_session_id": session["watch_session_id"],
                                             "position": position}, headers=headers)

    listed = browser.get("/api/continue-watching/", headers=headers).json_body
    again = start(browser, headers, movie.movie_id, tv).json_body  # type: ignore[attr-defined]
    fresh = start(browser, headers, finished.movie_id, tv).json_body  # type: ignore[attr-defined]

    assert [(m["title"], m["position"]) for m in listed] == [("Half Seen", 120.0)]
    assert again["resume_position"] == 120.0
    assert fresh["resume_position"] == 0.0


@pytest.mark.parametrize("body, status", [
    ({"device_id": "x"}, 400), ({"movie_id": "x"}, 400),
    ({"movie_id": "nope", "device_id": "x"}, 404),
    ({"movie_id": "MOVIE", "device_id": "unknown-device"}, 404),
    ({"movie_id": "MOVIE", "device_id": "DEVICE", "steal": "yes"}, 400),
])
def test_bad_starts(browser: Browser, viewer: tuple[TestAccount, dict[str, str]],
                    body: dict[str, object], status: int) -> None:
    _, headers = viewer
    movie, tv = make_playable_movie(), device(browser, headers)
    filled = {k: (movie.movie_id if v == "MOVIE" else tv if v == "DEVICE" else v)
              for k, v in body.items()}

    assert browser.post("/api/playback/start/", filled, headers=headers).status_code == status


def test_a_movie_that_is_not_ready_is_409(browser: Browser,
                                          viewer: tuple[TestAccount, dict[str, str]]) -> None:
    _, headers = viewer
    draft = make_movie("Not Yet", status="draft")

    refused = start(browser, headers, draft.movie_id, device(browser, headers))

    assert refused.status_code == 409  # type: ignore[attr-defined]


def test_a_heartbeat_is_one_dynamodb_call(browser: Browser,
                                          viewer: tuple[TestAccount, dict[str, str]]) -> None:
    _, headers = viewer
    movie = make_playable_movie()
    session = start(browser, headers, movie.movie_id, device(browser, headers)).json_body  # type: ignore[attr-defined]

    with counting_dynamodb_calls() as calls:
        browser.post("/api/playback/heartbeat/", {"watch_session_id": session[
            "watch_session_id"], "position": 30}, headers=headers)

    assert dict(calls) == {"TransactWriteItems": 1}


# ---------------------------------------------------------------- delivery
def relative(url: str) -> str:
    parsed = urlparse(url)
    return f"{parsed.path}?{parsed.query}" if parsed.query else parsed.path


@pytest.fixture
def playing(browser: Browser, viewer: tuple[TestAccount, dict[str, str]]
            ) -> Callable[[str], dict[str, object]]:
    _, headers = viewer

    def play(plan: str = "basic") -> dict[str, object]:
        if plan != "basic":
            on_plan(browser, viewer[0], plan)
        movie = make_playable_movie()
        started = start(browser, headers, movie.movie_id, device(browser, headers))
        return {"movie_id": movie.movie_id, **started.json_body}  # type: ignore[attr-defined]

    return play


def test_the_master_lists_only_what_the_plan_allows(
    browser: Browser, playing: Callable[[str], dict[str, object]]
) -> None:
    basic, premium = playing("basic"), playing("premium")

    basic_master = browser.get(relative(str(basic["master_playlist_url"])))
    premium_master = browser.get(relative(str(premium["master_playlist_url"])))

    assert basic_master.status_code == 200
    assert basic_master.headers["Content-Type"] == "application/vnd.apple.mpegurl"
    text = basic_master.body.decode()
    assert "x480" in text and "x720" not in text and "x1080" not in text
    assert "/480p/media.m3u8?token=" in text and '/audio/media.m3u8?token=' in text
    assert "x1080" in premium_master.body.decode()


def test_media_playlists_carry_presigned_segments(
    browser: Browser, playing: Callable[[str], dict[str, object]], stack: Settings
) -> None:
    started = playing("basic")
    token = parse_qs(urlparse(str(started["master_playlist_url"])).query)["token"][0]
    movie_id = started["movie_id"]

    playlist = browser.get(f"/api/video/{movie_id}/480p/media.m3u8?token={token}")
    above = browser.get(f"/api/video/{movie_id}/720p/media.m3u8?token={token}")
    segment = browser.get(f"/api/video/{movie_id}/480p/segment_000.ts/?token={token}")

    assert playlist.status_code == 200
    uris = [line for line in playlist.body.decode().splitlines() if line.startswith("http")]
    assert len(uris) == 2 and all("X-Amz-Signature" in u for u in uris)
    assert above.status_code == 403
    assert segment.status_code == 302 and "segment_000.ts" in segment.headers["Location"]
    for bad in ("..%2F..%2Fsecret.ts", "segment_009.ts", "master.m3u8"):
        assert browser.get(f"/api/video/{movie_id}/480p/{bad}/?token={token}").status_code == 404
    vtt = browser.get(f"/api/video/{movie_id}/thumbnails.vtt?token={token}")
    assert vtt.status_code == 200 and "sprite.jpg" in vtt.body.decode()
    assert "X-Amz-Signature" in vtt.body.decode()


def test_tokens_are_bound_and_die_with_their_session(
    browser: Browser, playing: Callable[[str], dict[str, object]],
    viewer: tuple[TestAccount, dict[str, str]]
) -> None:
    first, other = playing("basic"), make_playable_movie("Other")
    token = parse_qs(urlparse(str(first["master_playlist_url"])).query)["token"][0]

    foreign = browser.get(f"/api/video/{other.movie_id}/master.m3u8?token={token}")
    forged = browser.get(f"/api/video/{first['movie_id']}/master.m3u8?token={token}x")
    browser.post("/api/playback/stop/", {"watch_session_id": first["watch_session_id"],
                                         "position": 1}, headers=viewer[1])
    after_stop = browser.get(f"/api/video/{first['movie_id']}/master.m3u8?token={token}")

    assert foreign.status_code == 403
    assert forged.status_code == 401
    assert after_stop.status_code == 410


def test_the_videoflix_path_works_with_the_cookie_or_bearer(
    browser: Browser, viewer: tuple[TestAccount, dict[str, str]]
) -> None:
    account, headers = viewer
    movie = make_playable_movie()
    browser.post("/api/login/", {"email": account.email, "password": account.password})

    by_cookie = browser.get(f"/api/video/{movie.movie_id}/480p/index.m3u8")
    by_bearer = Browser(browser.client).get(f"/api/video/{movie.movie_id}/480p/index.m3u8",
                                            headers=headers)
    nobody = Browser(browser.client).get(f"/api/video/{movie.movie_id}/480p/index.m3u8")

    assert by_cookie.status_code == by_bearer.status_code == 200
    assert nobody.status_code == 401


def test_the_videoflix_path_plays_one_rendition_with_its_sound(
    browser: Browser, viewer: tuple[TestAccount, dict[str, str]], stack: Settings
) -> None:
    """The transcoder keeps the audio in a rendition of its own, so a player handed
    `480p/index.m3u8` gets a master of that one stream and the audio group, and the media
    playlists live beside it as `media.m3u8`."""
    _, headers = viewer
    movie = make_playable_movie()
    base = f"/api/video/{movie.movie_id}"

    entry = Browser(browser.client).get(f"{base}/480p/index.m3u8", headers=headers)

    lines = entry.body.decode().splitlines()
    [stream] = [i for i, line in enumerate(lines) if line.startswith("#EXT-X-STREAM-INF")]
    assert "x480" in lines[stream] and 'AUDIO="aud"' in lines[stream]
    assert lines[stream + 1] == f"{stack.public_api_url}{base}/480p/media.m3u8"
    [audio] = [line for line in lines if line.startswith("#EXT-X-MEDIA:TYPE=AUDIO")]
    assert f'URI="{stack.public_api_url}{base}/audio/media.m3u8"' in audio
    for playlist in (lines[stream + 1], audio.split('URI="')[1].rstrip('"')):
        media = Browser(browser.client).get(relative(playlist), headers=headers)
        assert media.status_code == 200
        assert "#EXTINF" in media.body.decode() and "#EXT-X-STREAM-INF" not in media.body.decode()
    above = Browser(browser.client).get(f"{base}/1080p/index.m3u8", headers=headers)
    missing = Browser(browser.client).get(f"{base}/2160p/index.m3u8", headers=headers)
    assert above.status_code == 403 and missing.status_code == 404
