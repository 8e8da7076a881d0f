"""Players without a playback token (a cookie SPA, a Bearer client) stay on the version
they started on while a replacement is only playable, as token players do (`ver`), and
move to the new one once it is ready; the pin costs no DynamoDB call of its own."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator

import pytest
from chalice.test import Client, HTTPResponse

from chalicelib.catalog.models import MovieModel
from chalicelib.core import envvars
from chalicelib.core.settings import Settings, reload_settings
from chalicelib.playback.sessions import live_slots
from chalicelib.transcode.jobs import TranscodeJob
from tests.support.api import Browser
from tests.support.aws_calls import counting_dynamodb_calls
from tests.support.catalog import token_headers
from tests.support.factories import TestAccount, make_account
from tests.support.hls import make_playable_movie
from tests.support.playback import lapse_leases, make_plan, put_on_plan
from tests.support.progressive import event, playable_event, put_version, text, transcoding
from tests.support.uploads import RecordingRunner, ready_event

# Players' requests: their User-Agent (which client holds the implicit session), and
# `Accept: */*`, as players send it.
FIREFOX = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Firefox/128.0",
           "Accept": "*/*"}
SAFARI = {"User-Agent": "Mozilla/5.0 (Macintosh) Version/17.5 Safari/605.1.15",
          "Accept": "*/*"}
APP = {"User-Agent": "reelstack-tv/2.1", "Accept": "*/*"}



@pytest.fixture
def account() -> TestAccount:
    """On a plan of three streams: the cookie player, the Bearer one and a newcomer."""
    account = make_account()
    put_on_plan(account.user_id, make_plan(max_streams=3).plan_id)
    return account


@pytest.fixture(params=["proxy", "presigned"])
def delivery(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch,
             stack: Settings) -> Iterator[str]:
    """How a cookie player gets its segments (REELSTACK_COOKIE_SEGMENT_DELIVERY)."""
    monkeypatch.setenv(envvars.COOKIE_SEGMENT_DELIVERY, request.param)
    reload_settings()
    yield str(request.param)
    monkeypatch.undo()
    reload_settings()


def cookie_player(api: Client, account: TestAccount) -> Browser:
    browser = Browser(api)
    signed_in = browser.post("/api/login/", {"email": account.email,
                                             "password": account.password}, headers=FIREFOX)
    assert signed_in.status_code == 200, signed_in.json_body
    return browser


def released(stack: Settings, runner: RecordingRunner, movie_id: str | None = None,
             title: str = "") -> TranscodeJob:
    """A version of the movie (a new one unless `movie_id`), encoded and ready."""
    job = transcoding(stack, runner, title, movie_id=movie_id)
    put_version(stack, job, segments=2, ended=True, heights=(480, 720))
    assert event(ready_event(job), runner) == "ready"
    return job


def replacement_playable(stack: Settings, runner: RecordingRunner, movie_id: str
                         ) -> TranscodeJob:
    job = transcoding(stack, runner, "", movie_id=movie_id)
    put_version(stack, job, segments=1)
    assert event(playable_event(job), runner) == "playable"
    return job


def from_version(answer: HTTPResponse, version: str, delivery: str) -> bool:
    """Whether a segment answer comes from `version`: its bytes (proxy; `put_version`
    writes `<version> <rung> <n>`), or the storage key its redirect names."""
    if delivery == "proxy":
        assert answer.status_code == 200, answer.body
        return answer.body.decode().startswith(f"{version} ")
    assert answer.status_code == 302, answer.body
    return f"/{version}/" in str(answer.headers["Location"])


def test_token_less_players_stay_on_their_version_until_the_new_one_is_ready(
    api: Client, stack: Settings, runner: RecordingRunner, account: TestAccount,
    delivery: str,
) -> None:
    first = released(stack, runner, title="Director's Cut")
    number = MovieModel.get(first.movie_id).number
    cookie, bearer = cookie_player(api, account), Browser(api)
    headers = {**token_headers(bearer, account), **APP}
    by_number, by_id = f"/api/video/{number}/480p", f"/api/video/{first.movie_id}/480p"
    assert cookie.get(f"{by_number}/index.m3u8", headers=FIREFOX).status_code == 200
    assert f"/{first.version}/" in text(bearer.get(f"{by_id}/media.m3u8", headers=headers))

    second = replacement_playable(stack, runner, first.movie_id)

    # Both stay on the version they started on, whichever rung or path they fetch next.
    cookie_playlist = text(cookie.get(f"{by_number}/media.m3u8", headers=FIREFOX))
    assert (f"/{first.version}/" in cookie_playlist) == (delivery == "presigned")
    assert second.version not in cookie_playlist
    assert from_version(cookie.get(f"{by_number}/segment_001.m4s", headers=FIREFOX),
                        first.version, delivery)
    assert f"/{first.version}/720p/" in text(
        bearer.get(f"/api/video/{first.movie_id}/720p/media.m3u8", headers=headers))
    assert from_version(bearer.get(f"{by_id}/segment_001.m4s", headers=headers),
                        first.version, "presigned")
    # A client that starts now plays the new version: the same account in another browser.
    newcomer = Browser(api, jar=dict(cookie.jar))
    assert from_version(newcomer.get(f"{by_number}/segment_000.m4s", headers=SAFARI),
                        second.version, delivery)
    assert sorted(str(s.version) for s in live_slots(account.user_id, time.time())) == \
        sorted([first.version, first.version, second.version])
    lapse_leases(account.user_id)  # paused past its lease, a player goes on with its film
    assert from_version(cookie.get(f"{by_number}/segment_000.m4s", headers=FIREFOX),
                        first.version, delivery)

    assert event(ready_event(second), runner) == "ready"  # the kept version's files go

    assert from_version(cookie.get(f"{by_number}/segment_000.m4s", headers=FIREFOX),
                        second.version, delivery)
    assert f"/{second.version}/" in text(bearer.get(f"{by_id}/media.m3u8", headers=headers))


def _calls(browser: Browser, path: str, headers: dict[str, str]) -> Counter[str]:
    with counting_dynamodb_calls() as calls:
        answer = browser.get(path, headers=headers)
    assert answer.status_code == 200, answer.body
    return calls


def test_the_pin_costs_no_dynamodb_call(
    api: Client, stack: Settings, runner: RecordingRunner, account: TestAccount,
) -> None:
    first = released(stack, runner, title="Counted Cut")
    cookie = cookie_player(api, account)
    segment = f"/api/video/{first.movie_id}/480p/segment_000.m4s"
    claimed = _calls(cookie, segment, FIREFOX)
    renewed = _calls(cookie, segment, FIREFOX)

    replacement_playable(stack, runner, first.movie_id)
    pinned = _calls(cookie, segment, FIREFOX)
    newcomer = _calls(Browser(api, jar=dict(cookie.jar)), segment, SAFARI)

    # One Query of the user's live slots tells the version and renews (or claims) the
    # session; nothing else is read or written for the pin.
    assert pinned == renewed and pinned["Query"] == 1 and pinned["UpdateItem"] == 1
    assert newcomer == claimed and claimed["Query"] == 1 and claimed["PutItem"] == 1


def test_a_session_on_another_movie_never_pins_a_version(
    api: Client, stack: Settings, runner: RecordingRunner,
) -> None:
    """Versions of different movies may be spelled alike (these two share theirs): the
    version a client plays elsewhere is not applied to the movie it switches to."""
    account, elsewhere, switched_to = make_account(), make_playable_movie("A"), \
        make_playable_movie("B")
    assert elsewhere.current_version == switched_to.current_version
    bearer = Browser(api)
    headers = {**token_headers(bearer, account), **APP}
    assert bearer.get(f"/api/video/{elsewhere.movie_id}/480p/media.m3u8",
                      headers=headers).status_code == 200

    second = replacement_playable(stack, runner, switched_to.movie_id)
    playlist = text(bearer.get(f"/api/video/{switched_to.movie_id}/480p/media.m3u8",
                               headers=headers))

    assert f"/{switched_to.movie_id}/{second.version}/480p/" in playlist
    [slot] = live_slots(account.user_id, time.time())
    assert (slot.movie_id, slot.version) == (switched_to.movie_id, second.version)
