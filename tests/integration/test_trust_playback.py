"""Playback against a hostile client (issue 15): token-less playlists hold stream slots,
stop touches only the caller's own session, device registrations fill the limit exactly
under a burst, heartbeats are spaced, and positions are finite and within the movie."""

from __future__ import annotations

import json
import math
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from chalice.test import HTTPResponse

from chalicelib.core.contract import decode
from chalicelib.core.errors import InvalidInput, TooManyRequests
from chalicelib.core.settings import Settings
from chalicelib.playback import devices, service
from chalicelib.playback.devices import MAX_DEVICES, DeviceLimitReached
from chalicelib.playback.inputs import NewDevice, StartPlayback, WatchPosition
from chalicelib.playback.models import (
    DEVICE_COUNT_PREFIX,
    DeviceCountModel,
    DeviceModel,
    ProgressModel,
    StreamSlotModel,
)
from chalicelib.playback.sessions import SessionRef
from devstack.emulator import Emulator, EmulatorKind
from tests.support.api import Browser
from tests.support.aws_calls import counting_dynamodb_calls
from tests.support.catalog import token_headers
from tests.support.factories import TestAccount, make_account
from tests.support.hls import make_playable_movie
from tests.support.playback import make_device

Headers = dict[str, str]


class FakeClock:
    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def member(browser: Browser) -> tuple[TestAccount, Headers]:
    """A new account: the basic plan, one stream up to 480p."""
    account = make_account()
    return account, token_headers(browser, account)


def _start(browser: Browser, headers: Headers, movie_id: str, device_id: str) -> HTTPResponse:
    return browser.post("/api/playback/start/", {"movie_id": movie_id, "device_id": device_id},
                        headers=headers)


def _active(browser: Browser, headers: Headers) -> list[dict[str, Any]]:
    answer = browser.get("/api/playback/active/", headers=headers)
    assert answer.status_code == 200
    json.loads(answer.body, parse_constant=pytest.fail)  # strict JSON: no NaN, no Infinity
    return list(answer.json_body)


def _token(started: HTTPResponse) -> str:
    return parse_qs(urlparse(str(started.json_body["master_playlist_url"])).query)["token"][0]


# ---------------------------------------------------------------- 1: every playlist holds a slot
def test_bearer_fetches_without_a_token_cannot_pass_the_stream_limit(
    browser: Browser, member: tuple[TestAccount, Headers]
) -> None:
    account, headers = member
    movie = make_playable_movie()
    make_device(account.user_id, "tv")
    make_device(account.user_id, "phone")
    started = _start(browser, headers, movie.movie_id, "tv")
    assert started.status_code == 201
    assert _start(browser, headers, movie.movie_id, "phone").status_code == 409
    base = f"/api/video/{movie.movie_id}"

    for number in range(5):
        client = {**headers, "User-Agent": f"HostileClient/{number}"}
        for path in (f"{base}/master.m3u8", f"{base}/480p/media.m3u8",
                     f"{base}/480p/segment_000.ts/", f"{base}/480p/index.m3u8"):
            refused = browser.get(path, headers=client)
            assert refused.status_code == 409, (path, refused.status_code)
            assert refused.json_body["Code"] == "StreamLimitReached"
            assert refused.json_body["max_streams"] == 1

    [active] = _active(browser, headers)
    assert active["watch_session_id"] == started.json_body["watch_session_id"]
    token = _token(started)  # the session that holds the slot still plays
    assert browser.get(f"{base}/480p/media.m3u8?token={token}").status_code == 200


def test_a_token_less_fetch_holds_the_slot_a_start_would_need(
    browser: Browser, member: tuple[TestAccount, Headers]
) -> None:
    account, headers = member
    movie = make_playable_movie()
    make_device(account.user_id, "tv")
    native = {**headers, "User-Agent": "ReelstackTV/2.1"}

    master = browser.get(f"/api/video/{movie.movie_id}/master.m3u8", headers=native)
    segment = browser.get(f"/api/video/{movie.movie_id}/480p/segment_000.ts/", headers=native)

    assert master.status_code == 200 and "x480" in master.body.decode()
    assert segment.status_code == 302  # a Bearer client is sent to a signed URL, as before
    [held] = _active(browser, headers)
    assert held["movie_id"] == movie.movie_id and held["device_id"].startswith("browser-")
    assert _start(browser, headers, movie.movie_id, "tv").status_code == 409


def test_a_cookie_master_playlist_holds_a_slot_too(
    browser: Browser, member: tuple[TestAccount, Headers]
) -> None:
    account, headers = member
    movie = make_playable_movie()
    page = Browser(browser.client)
    page.post("/api/login/", {"email": account.email, "password": account.password})

    assert page.get(f"/api/video/{movie.movie_id}/master.m3u8").status_code == 200

    assert [s["movie_id"] for s in _active(browser, headers)] == [movie.movie_id]


def test_a_movie_named_by_its_number_is_checked_and_held_by_its_id(
    browser: Browser, member: tuple[TestAccount, Headers]
) -> None:
    account, headers = member
    movie = make_playable_movie()
    assert movie.number is not None
    make_device(account.user_id, "tv")
    started = _start(browser, headers, str(movie.number), "tv")
    assert started.status_code == 201
    session = SessionRef.parse(started.json_body["watch_session_id"])

    by_number = browser.get(f"/api/video/{movie.number}/master.m3u8?token={_token(started)}")

    assert session.movie_id == movie.movie_id
    assert by_number.status_code == 200
    assert [s["movie_id"] for s in _active(browser, headers)] == [movie.movie_id]


# ---------------------------------------------------------------- 6: stop only your own session
def test_stop_ends_only_the_callers_own_session(
    browser: Browser, member: tuple[TestAccount, Headers]
) -> None:
    owner, owner_headers = member
    movie = make_playable_movie()
    make_device(owner.user_id, "tv")
    session = _start(browser, owner_headers, movie.movie_id, "tv").json_body["watch_session_id"]
    intruder = make_account()
    intruder_headers = token_headers(browser, intruder)
    forged = f"0_{movie.movie_id}_0123456789abcdef"

    for session_id in (session, forged):
        refused = browser.post("/api/playback/stop/", {"watch_session_id": session_id,
                                                       "position": 42},
                               headers=intruder_headers)
        assert refused.status_code == 404, refused.json_body
        assert refused.json_body["Code"] == "NotFound"
    for malformed in ("x" * 2048, "0_movie", "../0_a_b", "9999_a_0123456789abcdef"):
        bad = browser.post("/api/playback/stop/", {"watch_session_id": malformed,
                                                   "position": 1}, headers=intruder_headers)
        assert bad.status_code == 400, (malformed[:20], bad.json_body)
        assert bad.json_body["field"] == "watch_session_id"

    assert browser.get("/api/continue-watching/", headers=intruder_headers).json_body == []
    assert ProgressModel.count(intruder.user_id) == 0
    assert [s["watch_session_id"] for s in _active(browser, owner_headers)] == [session]
    for _ in range(2):  # the owner's own stop, idempotent as before
        assert browser.post("/api/playback/stop/", {"watch_session_id": session,
                                                    "position": 42},
                            headers=owner_headers).status_code == 200
    assert [m["position"] for m in browser.get("/api/continue-watching/",
                                               headers=owner_headers).json_body] == [42.0]


def test_an_evicted_session_may_still_stop_and_save_its_position(
    browser: Browser, member: tuple[TestAccount, Headers]
) -> None:
    account, headers = member
    movie = make_playable_movie()
    make_device(account.user_id, "tv")
    make_device(account.user_id, "phone")
    first = _start(browser, headers, movie.movie_id, "tv").json_body["watch_session_id"]
    stolen = browser.post("/api/playback/start/", {"movie_id": movie.movie_id,
                                                   "device_id": "phone", "steal": True},
                          headers=headers)
    assert stolen.status_code == 201

    stopped = browser.post("/api/playback/stop/", {"watch_session_id": first, "position": 77},
                           headers=headers)

    assert stopped.status_code == 200
    assert ProgressModel.get(account.user_id, movie.movie_id).position == 77
    assert [s["watch_session_id"] for s in _active(browser, headers)] == [
        stolen.json_body["watch_session_id"]]


# ---------------------------------------------------------------- 7: the device limit, exactly
@pytest.mark.parametrize("burst", [11, 20])
def test_a_burst_of_registrations_keeps_exactly_the_limit(stack: Settings, burst: int) -> None:
    account = make_account()

    def register(number: int) -> str:
        try:
            devices.register_device(account.user_id, NewDevice(
                device_id=f"racer-{number}", name="Racer", device_type="phone"))
        except DeviceLimitReached:
            return "409"
        return "201"

    with ThreadPoolExecutor(max_workers=burst) as pool:
        outcomes = list(pool.map(register, range(burst)))

    assert outcomes.count("201") == MAX_DEVICES
    assert outcomes.count("409") == burst - MAX_DEVICES
    assert DeviceModel.count(account.user_id, consistent_read=True) == MAX_DEVICES
    assert len(devices.list_devices(account.user_id)) == MAX_DEVICES


def test_an_account_with_devices_from_before_the_count_is_counted_on_first_use(
    stack: Settings,
) -> None:
    account = make_account()
    with DeviceModel.batch_write() as batch:  # as the old code left them: no count item
        for number in range(MAX_DEVICES - 1):
            batch.save(DeviceModel(account.user_id, f"old-{number}", name="Old",
                                   device_type="tv", created_at="2026-01-01",
                                   updated_at="2026-01-01"))

    def register(number: int) -> bool:
        try:
            make_device(account.user_id, f"new-{number}")
        except DeviceLimitReached:
            return False
        return True

    with ThreadPoolExecutor(max_workers=4) as pool:
        accepted = sum(pool.map(register, range(4)))
    devices.remove_device(account.user_id, "old-0")
    make_device(account.user_id, "after-removal")

    assert accepted == 1
    assert DeviceModel.count(account.user_id, consistent_read=True) == MAX_DEVICES
    with pytest.raises(DeviceLimitReached):
        make_device(account.user_id, "one-too-many")
    make_device(account.user_id, "old-1", name="Renamed")  # re-registering one is fine


def test_erasing_an_account_erases_its_device_count(stack: Settings) -> None:
    account = make_account()
    make_device(account.user_id, "tv")

    devices.erase_devices_of(account.user_id)

    assert DeviceModel.count(account.user_id) == 0
    assert DeviceCountModel.count(f"{DEVICE_COUNT_PREFIX}{account.user_id}") == 0
    for number in range(MAX_DEVICES):  # counted from nothing again
        make_device(account.user_id, f"again-{number}")


# ---------------------------------------------------------------- 8: heartbeats are spaced
def test_heartbeats_sooner_than_half_the_interval_are_refused(stack: Settings) -> None:
    account, movie = make_account(), make_playable_movie()
    make_device(account.user_id, "tv")
    clock = FakeClock()
    session = service.start_playback(account.user_id, StartPlayback(
        movie_id=movie.movie_id, device_id="tv"), clock=clock).session

    def beat(position: float) -> None:
        service.heartbeat(account.user_id, WatchPosition(
            watch_session_id=session.session_id, position=position), clock=clock)

    clock.now += 1
    beat(1)  # the first one may come at once (a player that beats on start)
    clock.now += 5
    with pytest.raises(TooManyRequests) as refused:
        beat(6)
    clock.now += 10  # 15 s after the last accepted one: half of the 30 s interval
    beat(16)

    assert refused.value.retry_after == 10  # the 10 s left of the 15, rounded up
    [slot] = StreamSlotModel.query(account.user_id)
    assert slot.position == 16 and slot.heartbeat_at == clock.now


def test_a_heartbeat_loop_gets_429_with_retry_after_in_one_call_each(
    browser: Browser, member: tuple[TestAccount, Headers]
) -> None:
    account, headers = member
    movie = make_playable_movie()
    make_device(account.user_id, "tv")
    session = _start(browser, headers, movie.movie_id, "tv").json_body["watch_session_id"]
    body = {"watch_session_id": session, "position": 3}
    assert browser.post("/api/playback/heartbeat/", body, headers=headers).status_code == 200

    with counting_dynamodb_calls() as calls:
        looped = [browser.post("/api/playback/heartbeat/", {**body, "position": 4 + n},
                               headers=headers) for n in range(5)]

    assert {answer.status_code for answer in looped} == {429}
    assert looped[0].json_body["Code"] == "TooManyRequests"
    assert 1 <= int(looped[0].headers["Retry-After"]) <= 15
    assert dict(calls) == {"TransactWriteItems": 5}  # refused by the write's own condition
    [active] = _active(browser, headers)
    assert active["position"] == 3.0  # nothing of the refused beats was written


# ---------------------------------------------------------------- 11: finite positions
@pytest.mark.parametrize("position", [
    math.nan, math.inf, -math.inf, float("1e400"), 10**40, 10**400, -1, True, "12",
], ids=["nan", "inf", "-inf", "1e400", "10**40", "10**400", "-1", "true", "text"])
def test_a_position_that_is_no_finite_number_of_seconds_is_400(
    stack: Settings, position: object
) -> None:
    account, movie = make_account(), make_playable_movie()
    make_device(account.user_id, "tv")
    session = service.start_playback(account.user_id, StartPlayback(
        movie_id=movie.movie_id, device_id="tv")).session
    body = {"watch_session_id": session.session_id, "position": position}

    for call in (service.heartbeat, service.stop_playback):
        with pytest.raises(InvalidInput) as refused:
            call(account.user_id, decode(WatchPosition, body))
        assert refused.value.details["field"] == "position"

    assert ProgressModel.get(account.user_id, movie.movie_id).position == 0
    assert StreamSlotModel.query(account.user_id).next().position == 0


def test_a_position_past_the_end_of_the_movie_is_400(
    browser: Browser, member: tuple[TestAccount, Headers]
) -> None:
    account, headers = member
    movie = make_playable_movie(duration=600)
    make_device(account.user_id, "tv")
    session = _start(browser, headers, movie.movie_id, "tv").json_body["watch_session_id"]

    past = browser.post("/api/playback/heartbeat/", {"watch_session_id": session,
                                                     "position": 700}, headers=headers)
    huge = browser.post("/api/playback/stop/", {"watch_session_id": session,
                                                "position": 10**40}, headers=headers)
    at_the_end = browser.post("/api/playback/stop/", {"watch_session_id": session,
                                                      "position": 605}, headers=headers)

    assert past.status_code == huge.status_code == 400
    assert past.json_body["field"] == huge.json_body["field"] == "position"
    assert at_the_end.status_code == 200  # a little past the probed duration is fine
    assert ProgressModel.get(account.user_id, movie.movie_id).position == 605


def test_positions_stored_by_the_old_bug_read_as_zero(
    browser: Browser, member: tuple[TestAccount, Headers], emulator: Emulator
) -> None:
    if emulator.kind is not EmulatorKind.MOTO:
        pytest.skip("only moto stores a NaN number (DynamoDB refuses it), as the old bug did")
    account, headers = member
    movie = make_playable_movie()
    make_device(account.user_id, "tv")
    session = _start(browser, headers, movie.movie_id, "tv").json_body["watch_session_id"]
    StreamSlotModel(account.user_id, SessionRef.parse(session).slot).update(
        actions=[StreamSlotModel.position.set(math.nan)])
    ProgressModel(account.user_id, movie.movie_id).update(
        actions=[ProgressModel.position.set(math.nan)])

    [active] = _active(browser, headers)
    again = _start(browser, headers, movie.movie_id, "tv")
    listed = browser.get("/api/continue-watching/", headers=headers)

    assert active["position"] == 0.0
    assert again.status_code == 201 and again.json_body["resume_position"] == 0.0
    assert listed.status_code == 200
