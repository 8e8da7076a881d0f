"""A movie that plays while it is transcoded: the transcoder's `playable` event (sent
through `handle_transcoder_event` as the transcode-events function gets it, the files put in
the media bucket as the progressive transcoder leaves them) makes it listed, with its
progress, and playable exactly as a ready movie; failures and replacements after it."""

from __future__ import annotations

import dataclasses
from urllib.parse import parse_qs, urlparse

import jwt
import pytest

from chalicelib.catalog import transcoding as catalog
from chalicelib.catalog.models import MovieModel
from chalicelib.contracts import transcoder_events as schema
from chalicelib.core import envvars
from chalicelib.core.settings import Settings
from chalicelib.transcode.jobs import TranscodeJob
from chalicelib.transcode.models import TranscodeJobModel
from devstack.task_runners import LocalProcessRunner
from tests.support.api import Browser
from tests.support.catalog import token_headers
from tests.support.factories import TestAccount, make_account, make_admin
from tests.support.playback import make_device
from tests.support.progressive import (
    event,
    keys_under,
    playable_event,
    progress_event,
    put_version,
    text,
    transcoding,
    version_prefix,
)
from tests.support.uploads import RecordingRunner, failed_event, ready_event

NO_STORE = "private, no-store"



@pytest.fixture
def viewer(browser: Browser) -> tuple[TestAccount, dict[str, str]]:
    """A viewer on the basic plan: one stream, up to 480p."""
    account = make_account()
    return account, token_headers(browser, account)


def made_playable(stack: Settings, runner: RecordingRunner, title: str) -> TranscodeJob:
    job = transcoding(stack, runner, title)
    put_version(stack, job, segments=1)
    assert event(playable_event(job), runner) == "playable"
    return job


def started(browser: Browser, account: TestAccount, headers: dict[str, str],
            movie_id: str) -> str:
    """A watch session on a device of the viewer's; returns its playback token."""
    tv = make_device(account.user_id).device_id
    answer = browser.post("/api/playback/start/", {"movie_id": movie_id, "device_id": tv},
                          headers=headers)
    assert answer.status_code == 201, answer.json_body
    return parse_qs(urlparse(str(answer.json_body["master_playlist_url"])).query)["token"][0]


def listed(browser: Browser, headers: dict[str, str], query: str = ""
           ) -> dict[str, dict[str, object]]:
    answer = browser.get(f"/api/video/?limit=50{query}", headers=headers)
    assert answer.status_code == 200, answer.json_body
    return {card["movie_id"]: card for card in answer.json_body}


def test_a_playable_movie_is_listed_with_its_progress_and_plays_as_a_ready_one(
    stack: Settings, browser: Browser, runner: RecordingRunner,
    viewer: tuple[TestAccount, dict[str, str]],
) -> None:
    account, headers = viewer
    job = made_playable(stack, runner, "Early Bird")
    assert event(progress_event(job, 37.5), runner) == "progress"

    card = listed(browser, headers)[job.movie_id]
    admin = token_headers(browser, make_admin())
    detail = browser.get(f"/api/video/{job.movie_id}/", headers=headers).json_body
    assert (card["status"], card["progress"]) == ("playable", 37.0)
    assert job.movie_id in listed(browser, admin, "&status=playable")
    assert (detail["status"], detail["progress"]) == ("playable", 37.5)
    assert detail["transcode"] == {"state": "playable", "version": job.version,
                                   "progress": 37.5}
    assert TranscodeJobModel.get(job.job_id).state == "running"  # its deadline still watches

    token = started(browser, account, headers, job.movie_id)
    base = f"/api/video/{job.movie_id}"
    master = browser.get(f"{base}/master.m3u8?token={token}")
    media = browser.get(f"{base}/480p/media.m3u8?token={token}")
    above = browser.get(f"{base}/720p/media.m3u8?token={token}")
    segment = browser.get(f"{base}/480p/segment_000.m4s?token={token}")

    assert "x480" in text(master) and "x720" not in text(master)  # the plan's cap holds
    playlist = text(media)
    assert "#EXT-X-PLAYLIST-TYPE:EVENT" in playlist and "#EXT-X-ENDLIST" not in playlist
    assert "#EXT-X-START:TIME-OFFSET=0" in playlist  # players start it at 0, not the edge
    [signed] = [line for line in playlist.splitlines() if "segment_000.m4s" in line]
    assert f"/{job.version}/480p/segment_000.m4s" in signed and "Signature=" in signed
    assert master.headers["Cache-Control"] == media.headers["Cache-Control"] == NO_STORE
    assert above.status_code == 403
    assert segment.status_code == 302 and job.version in segment.headers["Location"]

    put_version(stack, job, segments=3)  # the playlists grow: the next reload shows it
    assert event(progress_event(job, 61.2), runner) == "progress"
    grown = text(browser.get(f"{base}/480p/media.m3u8?token={token}"))
    assert grown.count("#EXTINF") == 3
    assert listed(browser, headers)[job.movie_id]["progress"] == 61.0


def test_a_repeated_or_stale_playable_event_changes_nothing(
    stack: Settings, runner: RecordingRunner
) -> None:
    job = made_playable(stack, runner, "Said Twice")
    before = MovieModel.get(job.movie_id)

    again = event(playable_event(job), runner)
    assert again.startswith("ignored")
    assert MovieModel.get(job.movie_id).updated_at == before.updated_at

    assert event(failed_event(job, True), runner) == "retrying (attempt 2)"
    late = event(playable_event(job), runner)  # attempt 1's, after attempt 2 started
    assert late == "ignored: stale event"
    # The catalog holds the line itself too (an event read before the retry committed).
    told = schema.decode(playable_event(job))
    assert isinstance(told, schema.Playable)
    assert not catalog.show_playable(job.movie_id, job.version, 1, told)
    assert MovieModel.get(job.movie_id).status == "processing"
    second = runner.started[-1]
    put_version(stack, second, segments=1)
    assert event(playable_event(second), runner) == "playable"
    assert event(playable_event(second), runner).startswith("ignored")


@pytest.mark.parametrize("failure", [
    (False, "failed", "failed"), (True, "retrying (attempt 2)", "processing")])
def test_a_failure_after_playable_takes_the_movie_out_with_the_reason(
    stack: Settings, browser: Browser, runner: RecordingRunner,
    viewer: tuple[TestAccount, dict[str, str]], failure: tuple[bool, str, str],
) -> None:
    """For good, or retried (the retry deletes the version's files): a viewer's next
    playlist or segment request is a clear 409, never a playlist naming missing files."""
    (account, headers), (retryable, outcome, status) = viewer, failure
    job = made_playable(stack, runner, "Cut Short")
    token = started(browser, account, headers, job.movie_id)
    reason = "the source ends at 00:41 of 02:00"

    assert event(failed_event(job, retryable, reason=reason), runner) == outcome

    assert job.movie_id not in listed(browser, headers)
    assert browser.get(f"/api/video/{job.movie_id}/", headers=headers).status_code == 404
    stored = MovieModel.get(job.movie_id)
    assert (stored.status, stored.status_reason) == (status, reason)
    assert not stored.current_version
    base = f"/api/video/{job.movie_id}"
    for path in ("master.m3u8", "480p/media.m3u8", "480p/segment_000.m4s"):
        refused = browser.get(f"{base}/{path}?token={token}")
        assert refused.status_code == 409, path
        assert refused.json_body["Code"] == "MovieNotReady"
        assert refused.json_body["reason"] == reason and reason in refused.json_body["Message"]
    assert keys_under(stack, version_prefix(job)) == []  # after the catalog let go of them


def test_a_replacement_plays_the_old_version_until_the_new_one_is_playable(
    stack: Settings, browser: Browser, runner: RecordingRunner,
    viewer: tuple[TestAccount, dict[str, str]],
) -> None:
    account, headers = viewer
    first = transcoding(stack, runner, "Director's Cut")
    old_files = put_version(stack, first, segments=2, ended=True, heights=(480, 720))
    assert event(ready_event(first), runner) == "ready"
    token = started(browser, account, headers, first.movie_id)
    playlist = f"/api/video/{first.movie_id}/480p/media.m3u8?token={token}"

    second = transcoding(stack, runner, "", movie_id=first.movie_id)
    put_version(stack, second, segments=1)
    meanwhile = browser.get(f"/api/video/{first.movie_id}/", headers=headers).json_body
    assert (meanwhile["status"], meanwhile["transcode"]["state"]) == ("ready", "processing")
    assert f"/{first.version}/" in text(browser.get(playlist))

    assert event(playable_event(second), runner) == "playable"
    now = browser.get(f"/api/video/{first.movie_id}/", headers=headers).json_body
    assert (now["status"], now["transcode"]["state"]) == ("playable", "playable")
    # A player already under way stays on the version it started, whichever rung it
    # switches to; a new session plays the new one.
    assert f"/{first.version}/" in text(browser.get(playlist))
    assert f"/{first.version}/" in text(
        browser.get(f"/api/video/{first.movie_id}/audio/media.m3u8?token={token}"))
    session = jwt.decode(token, options={"verify_signature": False})["sid"]
    stopped = browser.post("/api/playback/stop/", {"watch_session_id": session},
                           headers=headers)
    assert stopped.status_code < 300, stopped.json_body
    fresh = started(browser, account, headers, first.movie_id)
    assert f"/{second.version}/" in text(
        browser.get(f"/api/video/{first.movie_id}/480p/media.m3u8?token={fresh}"))
    assert set(old_files) <= set(keys_under(stack, version_prefix(first)))  # viewers on it

    assert event(ready_event(second), runner) == "ready"
    assert keys_under(stack, version_prefix(first)) == []
    assert keys_under(stack, version_prefix(second))
    stored = MovieModel.get(first.movie_id)
    assert (stored.status, stored.current_version) == ("ready", second.version)
    assert "previous_ready" not in stored.attribute_values


def test_a_replacement_that_fails_after_playable_goes_back_to_the_old_version(
    stack: Settings, browser: Browser, runner: RecordingRunner,
    viewer: tuple[TestAccount, dict[str, str]],
) -> None:
    account, headers = viewer
    first = transcoding(stack, runner, "Second Take")
    old_files = put_version(stack, first, segments=2, ended=True, heights=(480, 720))
    assert event(ready_event(first), runner) == "ready"
    second = transcoding(stack, runner, "", movie_id=first.movie_id)
    put_version(stack, second, segments=1)
    assert event(playable_event(second), runner) == "playable"

    assert event(failed_event(second, False, reason="not a video"), runner) == "failed"

    stored = MovieModel.get(first.movie_id)
    assert (stored.status, stored.current_version, stored.status_reason) == (
        "ready", first.version, "not a video")
    assert sorted(int(r.height) for r in stored.renditions) == [480, 720]
    assert first.movie_id in listed(browser, headers)
    token = started(browser, account, headers, first.movie_id)
    playlist = text(browser.get(f"/api/video/{first.movie_id}/480p/media.m3u8?token={token}"))
    assert f"/{first.version}/" in playlist and "#EXT-X-ENDLIST" in playlist
    assert keys_under(stack, version_prefix(first)) == sorted(old_files)
    assert keys_under(stack, version_prefix(second)) == []


def test_a_newer_upload_supersedes_a_playable_one(
    stack: Settings, runner: RecordingRunner
) -> None:
    """The playable version's job is discarded when it ends (its files with it): until the
    newer one is playable, there is nothing to play."""
    job = made_playable(stack, runner, "Third Time")

    newer = transcoding(stack, runner, "", movie_id=job.movie_id)

    stored = MovieModel.get(job.movie_id)
    assert (stored.status, stored.pending_version) == ("processing", newer.version)
    assert not stored.current_version
    assert event(ready_event(job), runner) == "discarded: superseded or deleted"
    assert keys_under(stack, version_prefix(job)) == []


def test_the_videoflix_paths_play_a_playable_movie_by_cookie(
    stack: Settings, browser: Browser, runner: RecordingRunner,
    viewer: tuple[TestAccount, dict[str, str]],
) -> None:
    account, _ = viewer
    job = made_playable(stack, runner, "Cookie Premiere")
    number = MovieModel.get(job.movie_id).number
    assert browser.post("/api/login/", {"email": account.email,
                                        "password": account.password}).status_code == 200
    base = f"/api/video/{number}/480p"

    entry = browser.get(f"{base}/index.m3u8")
    media = browser.get(f"{base}/media.m3u8")
    init = browser.get(f"{base}/init.mp4", headers={"Accept": "*/*"})  # as players send
    segment = browser.get(f"{base}/segment_000.m4s", headers={"Accept": "*/*"})

    assert "/480p/media.m3u8" in text(entry)
    assert entry.headers["Cache-Control"] == media.headers["Cache-Control"] == NO_STORE
    lines = text(media).splitlines()
    assert "#EXT-X-PLAYLIST-TYPE:EVENT" in lines and "segment_000.m4s" in lines
    assert init.body == f"init {job.version} 480p".encode()
    assert segment.body == f"{job.version} 480p 0".encode()


def test_the_local_runner_reads_the_source_at_the_read_rate_setting(stack: Settings) -> None:
    """What keeps a test's transcode slower than playback (the transcoder's --read-rate)."""
    job = TranscodeJob("job1", 1, "movie1", "v20260101T000000ab", "uploads", "videos/m/a.mp4")
    slowed = Settings.from_env({envvars.TRANSCODE_READ_RATE: "0.5"}).transcoding
    assert Settings.from_env({}).transcoding.read_rate is None
    with pytest.raises(ValueError, match=envvars.TRANSCODE_READ_RATE):
        Settings.from_env({envvars.TRANSCODE_READ_RATE: "0"})

    paced = LocalProcessRunner(dataclasses.replace(stack, transcoding=slowed)).command(job)
    plain = LocalProcessRunner(stack).command(job)

    assert paced == [*job.arguments(stack), "--read-rate", "0.5"]
    assert plain == job.arguments(stack)
