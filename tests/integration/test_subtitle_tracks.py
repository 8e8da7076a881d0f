"""Subtitle tracks an admin adds and removes, the task events that settle them, the tracks
viewers see, their delivery, and members' language preferences (runner faked)."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import requests

from chalicelib.catalog import tracks
from chalicelib.catalog.models import MovieModel
from chalicelib.contracts import transcoder_events as schema
from chalicelib.core.clients import aws_client
from chalicelib.core.settings import Settings
from chalicelib.transcode.deadlines import DeadlineCheck
from chalicelib.transcode.jobs import unreported_failure
from chalicelib.transcode.service import accept_uploads, handle_transcoder_event
from chalicelib.transcode.subtitle_jobs import SubtitleTask
from tests.support.api import Browser
from tests.support.catalog import make_movie
from tests.support.factories import make_account
from tests.support.hls import make_playable_movie, master_playlist, ready_media
from tests.support.subtitles import SRT, added_event, subtitle_tasks
from tests.support.uploads import (
    RecordingRunner,
    next_upload_notification,
    ready_event,
    upload,
)


def tracks_of(browser: Browser, admin: dict[str, str], movie_id: str) -> list[dict[str, Any]]:
    answer = browser.get(f"/api/admin/videos/{movie_id}/subtitles/", headers=admin)
    assert answer.status_code == 200, answer.json_body
    return list(answer.json_body)


def test_an_admin_adds_a_track_through_a_presigned_upload(
    stack: Settings, browser: Browser, admin: dict[str, str], viewer: dict[str, str],
    runner: RecordingRunner
) -> None:
    movie = make_playable_movie("Subtitled")
    path = f"/api/admin/videos/{movie.movie_id}/subtitles/"

    answer = browser.post(path, {"language": "PT-br", "label": "Português", "kind": "captions"},
                          headers=admin)

    assert answer.status_code == 201, answer.json_body
    assert answer.json_body["key"] == f"videos/{movie.movie_id}/subtitles/pt-BR.srt"
    assert answer.json_body["track"] == {"language": "pt-BR", "label": "Português",
                                         "kind": "captions", "status": "uploading"}
    sent = requests.put(answer.json_body["url"], data=SRT, headers=answer.json_body["headers"],
                        timeout=10)
    assert sent.status_code == 200
    accept_uploads(next_upload_notification(stack), runner)

    [task] = subtitle_tasks(runner)
    arguments = task.arguments(stack)
    assert arguments[:2] == ["subtitles", "add"]
    flags = dict(zip(arguments[2::2], arguments[3::2], strict=True))
    assert flags["--version"] == movie.current_version
    assert (flags["--language"], flags["--label"], flags["--kind"]) == (
        "pt-BR", "Português", "captions")
    assert flags["--source-key"] == answer.json_body["key"]
    assert flags["--job-id"] == task.run_id
    assert [t["status"] for t in tracks_of(browser, admin, movie.movie_id)] == ["processing"]
    assert browser.get(f"/api/video/{movie.movie_id}/", headers=viewer).json_body[
        "subtitles"] == []

    assert handle_transcoder_event(added_event(task)) == "subtitle_added"
    assert handle_transcoder_event(added_event(task)).startswith("ignored")

    detail = browser.get(f"/api/video/{movie.movie_id}/", headers=viewer).json_body
    assert detail["subtitles"] == [{"language": "pt-BR", "label": "Português",
                                    "kind": "captions", "forced": False, "default": False}]
    [track] = tracks_of(browser, admin, movie.movie_id)
    assert (track["status"], track["cue_count"], track["current"]) == ("ready", 1, True)


def test_a_file_put_directly_is_a_track_with_defaults_and_a_refusal_keeps_its_reason(
    stack: Settings, browser: Browser, admin: dict[str, str], runner: RecordingRunner
) -> None:
    movie = make_playable_movie("Direct")

    accept_uploads(upload(stack, f"videos/{movie.movie_id}/subtitles/fr.vtt", b"not vtt"),
                   runner)
    [task] = subtitle_tasks(runner)
    assert (task.language, task.label, task.kind) == ("fr", "fr", "subtitles")
    refusal = json.dumps({"type": "subtitle_failed", "job_id": task.run_id,
                          "movie_id": movie.movie_id, "version": task.version,
                          "language": "fr", "code": "subtitle_invalid",
                          "reason": "line 1: not a subtitle file", "line": 1,
                          "retryable": False})

    assert handle_transcoder_event(refusal) == "subtitle_failed"

    [track] = tracks_of(browser, admin, movie.movie_id)
    assert (track["status"], track["reason"]) == ("failed", "line 1: not a subtitle file")
    assert MovieModel.get(movie.movie_id).status == "ready"  # the video is untouched


def test_a_task_that_dies_fails_its_track_and_dropped_cues_are_told(
    stack: Settings, browser: Browser, admin: dict[str, str], runner: RecordingRunner
) -> None:
    movie = make_playable_movie("Dying")
    accept_uploads(upload(stack, f"videos/{movie.movie_id}/subtitles/de.srt", SRT), runner)
    accept_uploads(upload(stack, f"videos/{movie.movie_id}/subtitles/es.srt", SRT), runner)
    [died] = subtitle_tasks(runner)  # one task a movie: each rewrites its master
    assert {t["language"]: t["status"] for t in tracks_of(browser, admin, movie.movie_id)} \
        == {"de": "processing", "es": "queued"}

    died_reason = "the transcoder stopped unexpectedly (exit code -9)"  # as a runner says
    assert handle_transcoder_event(json.dumps(unreported_failure(died.run_id, died_reason)),
                                   runner) == "failed"
    [_, partial] = subtitle_tasks(runner)  # the queued one starts
    assert partial.language == "es"
    assert handle_transcoder_event(added_event(partial, dropped_cues=2,
                                               first_dropped_line=9)) == "subtitle_added"

    by_language = {t["language"]: t for t in tracks_of(browser, admin, movie.movie_id)}
    assert by_language["de"]["status"] == "failed"
    assert "exit code -9" in by_language["de"]["reason"]
    assert by_language["es"]["status"] == "ready"
    assert by_language["es"]["reason"] == "2 cue(s) with broken timings dropped, the first " \
                                          "at line 9"


def watched(movie_id: str, language: str) -> tuple[str, int]:
    """The deadline check its track waits for, as the queue delivers it, and the deadline."""
    [track] = [t for t in MovieModel.get(movie_id).subtitles if t.language == language]
    check = DeadlineCheck(str(track.run_id), int(track.check_due or 0))
    return check.body(), int(track.deadline_at or 0)


def test_a_task_never_heard_from_fails_its_track_at_its_deadline_and_the_next_starts(
    stack: Settings, browser: Browser, admin: dict[str, str], runner: RecordingRunner
) -> None:
    movie = make_playable_movie("Unheard")
    accept_uploads(upload(stack, f"videos/{movie.movie_id}/subtitles/de.srt", SRT), runner)
    accept_uploads(upload(stack, f"videos/{movie.movie_id}/subtitles/es.srt", SRT), runner)
    [silent] = subtitle_tasks(runner)
    check, deadline = watched(movie.movie_id, "de")

    early = handle_transcoder_event(check, runner, clock=lambda: deadline - 60.0)
    overdue = handle_transcoder_event(check, runner, clock=lambda: float(deadline))
    again = handle_transcoder_event(check, runner, clock=lambda: deadline + 1.0)
    late = handle_transcoder_event(added_event(silent), runner)

    assert early.startswith("watching")
    assert overdue.startswith("failed: no word from the subtitle task")
    assert again.startswith("ignored") and late.startswith("ignored")
    assert runner.stopped == [("recorded:1", silent.run_id)]  # it must not write later
    [_, queued] = subtitle_tasks(runner)
    assert queued.language == "es"
    by_language = {t["language"]: t for t in tracks_of(browser, admin, movie.movie_id)}
    assert by_language["de"]["status"] == "failed"
    assert "stopped without reporting" in by_language["de"]["reason"]
    assert by_language["es"]["status"] == "processing"
    assert watched(movie.movie_id, "es")[1] > 0  # the next task is watched too


def test_a_new_version_gets_the_tracks_admins_added_made_again(
    stack: Settings, browser: Browser, admin: dict[str, str], runner: RecordingRunner,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("chalicelib.transcode.subtitle_jobs.task_runner", lambda _: runner)
    movie = make_playable_movie("Recut")
    accept_uploads(upload(stack, f"videos/{movie.movie_id}/subtitles/it.srt", SRT), runner)
    handle_transcoder_event(added_event(subtitle_tasks(runner)[0]))

    accept_uploads(upload(stack, f"videos/{movie.movie_id}/recut.mp4"), runner)
    [job] = [task for task in runner.started if not isinstance(task, SubtitleTask)]
    prefix = f"videos/{movie.movie_id}/{job.version}"
    from_source = {"track": "eng-2", "language": "eng", "label": "English SDH",
                   "kind": "captions", "forced": False, "default": True, "cue_count": 3,
                   "dropped_cues": 0, "playlist_key": f"{prefix}/subtitles/eng/index.m3u8"}
    sound = {"name": "audio", "language": "eng", "label": "English", "channels": 6,
             "default": True, "playlist_key": f"{prefix}/audio/index.m3u8"}
    assert handle_transcoder_event(ready_event(job, audio_tracks=[sound],
                                               subtitles=[from_source]), runner) == "ready"

    first, again = subtitle_tasks(runner)
    assert (again.language, again.version, again.source_key) == (
        "it", job.version, first.source_key)
    by_language = {t["language"]: t for t in tracks_of(browser, admin, movie.movie_id)}
    assert (by_language["it"]["status"], by_language["it"]["version"]) == (
        "processing", job.version)
    detail = browser.get(f"/api/video/{movie.movie_id}/", headers=admin).json_body
    assert detail["subtitles"] == [{"language": "eng", "label": "English SDH",
                                    "kind": "captions", "forced": False, "default": True}]
    assert by_language["eng"]["track"] == "eng-2"  # the source's second English stream
    removal = browser.delete(f"/api/admin/videos/{movie.movie_id}/subtitles/eng-2",
                             headers=admin)
    assert removal.status_code == 409  # the Italian track's task runs: one at a time
    assert detail["audio_tracks"] == [{"language": "eng", "label": "English", "channels": 6,
                                       "default": True}]


def test_bad_requests_are_clear_refusals(browser: Browser, admin: dict[str, str],
                                         viewer: dict[str, str]) -> None:
    movie, draft = make_playable_movie("Refusals"), make_movie("Not yet", status="draft")
    path = f"/api/admin/videos/{movie.movie_id}/subtitles/"

    bad_tag = browser.post(path, {"language": "english"}, headers=admin)
    bad_kind = browser.post(path, {"language": "en", "kind": "karaoke"}, headers=admin)
    unknown = browser.post("/api/admin/videos/nope/subtitles/", {"language": "en"},
                           headers=admin)
    not_ready = browser.post(f"/api/admin/videos/{draft.movie_id}/subtitles/",
                             {"language": "en"}, headers=admin)
    by_viewer = browser.post(path, {"language": "en"}, headers=viewer)
    no_track = browser.delete(f"{path}en", headers=admin)

    assert (bad_tag.status_code, bad_tag.json_body["field"]) == (400, "language")
    assert "BCP 47" in bad_tag.json_body["Message"]
    assert (bad_kind.status_code, bad_kind.json_body["field"]) == (400, "kind")
    assert unknown.status_code == 404
    assert (not_ready.status_code, not_ready.json_body["Code"]) == (409, "Conflict")
    assert by_viewer.status_code == 403
    assert no_track.status_code == 404


def test_removing_a_track_runs_the_remove_task_and_forgets_it(
    stack: Settings, browser: Browser, admin: dict[str, str], runner: RecordingRunner,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("chalicelib.transcode.subtitle_jobs.task_runner", lambda _: runner)
    movie = make_playable_movie("Removal")
    key = f"videos/{movie.movie_id}/subtitles/en.srt"
    accept_uploads(upload(stack, key, SRT), runner)
    handle_transcoder_event(added_event(subtitle_tasks(runner)[0]))

    answer = browser.delete(f"/api/admin/videos/{movie.movie_id}/subtitles/EN", headers=admin)
    again = browser.delete(f"/api/admin/videos/{movie.movie_id}/subtitles/en", headers=admin)

    assert answer.status_code == 202, answer.json_body
    assert again.status_code == 409  # removing already
    remove = subtitle_tasks(runner)[-1]
    assert remove.arguments(stack)[:2] == ["subtitles", "remove"]
    assert "--source-key" not in remove.arguments(stack)
    listed = aws_client("s3").list_objects_v2(Bucket=stack.buckets.uploads,
                                              Prefix=f"videos/{movie.movie_id}/")
    assert listed.get("KeyCount") == 0  # the admin's file is gone too
    removed = json.dumps({"type": "subtitle_removed", "job_id": remove.run_id,
                          "movie_id": movie.movie_id, "version": remove.version,
                          "master_playlist_key": "ignored",
                          "track": {"track": "en", "language": "en"}})
    assert handle_transcoder_event(removed) == "subtitle_removed"
    assert tracks_of(browser, admin, movie.movie_id) == []


def test_a_removal_whose_watch_was_never_written_is_still_settled_by_its_check(
    stack: Settings, browser: Browser, admin: dict[str, str], runner: RecordingRunner,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    """The removal's deadline check is sent before its watch is written on the track: if
    the writer dies in between, the check must still settle the removal, not be taken
    for the finished add run's."""
    monkeypatch.setattr("chalicelib.transcode.subtitle_jobs.task_runner", lambda _: runner)
    movie = make_playable_movie("Half removed")
    accept_uploads(upload(stack, f"videos/{movie.movie_id}/subtitles/en.srt", SRT), runner)
    handle_transcoder_event(added_event(subtitle_tasks(runner)[0]))
    assert watched(movie.movie_id, "en")[1] > 0  # the add run's watch, kept on the track

    with monkeypatch.context() as crash:
        crash.setattr(tracks, "record_watch", lambda *args, **kwargs: False)
        answer = browser.delete(f"/api/admin/videos/{movie.movie_id}/subtitles/en",
                                headers=admin)
    assert answer.status_code == 202, answer.json_body
    remove = subtitle_tasks(runner)[-1]
    due = int(time.time())
    settled = handle_transcoder_event(DeadlineCheck(remove.run_id, due).body(), runner,
                                      clock=lambda: due + 1.0)

    assert not settled.startswith("ignored"), settled
    [track] = tracks_of(browser, admin, movie.movie_id)
    assert track["status"] == "ready" and "could not be removed" in track["reason"]


def test_tracks_of_the_ready_event_are_listed_and_delivered(
    stack: Settings, browser: Browser, viewer: dict[str, str]
) -> None:
    movie = make_playable_movie("Two tongues", heights=(480,))
    prefix = str(movie.master_playlist_key).rsplit("/", 1)[0]
    s3, bucket = aws_client("s3"), stack.buckets.media
    master = master_playlist((480,)).replace('AUDIO="aud"', 'AUDIO="aud",SUBTITLES="subs"')
    master += ('#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",LANGUAGE="en",NAME="English",'
               'DEFAULT=NO,AUTOSELECT=YES,FORCED=NO,URI="subtitles/en/index.m3u8"\n')
    files = {"master.m3u8": master,
             "subtitles/en/index.m3u8": "#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXTINF:6.0,\n"
                                        "segment_00000.vtt\n#EXT-X-ENDLIST\n",
             "subtitles/en/segment_00000.vtt": "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHi\n"}
    for name, body in files.items():
        s3.put_object(Bucket=bucket, Key=f"{prefix}/{name}", Body=body.encode())
    record = MovieModel.get(movie.movie_id)
    tracks.record_published(movie.movie_id, str(record.current_version), ready_media(
        prefix, audio_tracks=(
            schema.AudioTrack(name="audio", language="eng", label="English", channels=2,
                              default=True, playlist_key=f"{prefix}/audio/index.m3u8"),
            schema.AudioTrack(name="audio_1", language="fra", label="Français", channels=6,
                              default=False, playlist_key=f"{prefix}/audio_1/index.m3u8")),
        subtitles=(schema.SubtitleTrack(
            track="en", language="en", label="English", kind="subtitles", forced=False,
            default=False, cue_count=1, dropped_cues=0,
            playlist_key=f"{prefix}/subtitles/en/index.m3u8"),)))
    base = f"/api/video/{movie.movie_id}"

    detail = browser.get(f"{base}/", headers=viewer).json_body
    listed = browser.get(f"{base}/master.m3u8", headers=viewer).body.decode()
    playlist = browser.get(f"{base}/subtitles/en/media.m3u8", headers=viewer)
    segment = browser.get(f"{base}/subtitles/en/segment_00000.vtt", headers=viewer)
    absent = browser.get(f"{base}/subtitles/xx/media.m3u8", headers=viewer)
    other_audio = browser.get(f"{base}/audio_3/media.m3u8", headers=viewer)

    assert [(a["language"], a["channels"], a["default"]) for a in detail["audio_tracks"]] == [
        ("eng", 2, True), ("fra", 6, False)]
    assert [s["label"] for s in detail["subtitles"]] == ["English"]
    assert f'URI="{stack.public_api_url}{base}/subtitles/en/media.m3u8"' in listed
    assert playlist.status_code == 200, playlist.body
    [uri] = [line for line in playlist.body.decode().splitlines() if line.startswith("http")]
    assert "segment_00000.vtt" in uri and "X-Amz-Signature" in uri
    assert segment.status_code == 302
    assert absent.status_code == other_audio.status_code == 404


def test_preferences_are_kept_per_member(browser: Browser, viewer: dict[str, str]) -> None:
    path = "/api/me/preferences/"
    assert browser.get(path, headers=viewer).json_body == {"subtitle_language": None,
                                                           "audio_language": None}

    saved = browser.request("PUT", path, {"subtitle_language": "OFF",
                                          "audio_language": "pt-br"}, headers=viewer)
    bad = browser.request("PUT", path, {"subtitle_language": "english!"}, headers=viewer)
    unknown = browser.request("PUT", path, {"subtitles": "en"}, headers=viewer)

    assert saved.status_code == 200, saved.json_body
    assert browser.get(path, headers=viewer).json_body == {"subtitle_language": "off",
                                                           "audio_language": "pt-BR"}
    assert (bad.status_code, bad.json_body["field"]) == (400, "subtitle_language")
    assert unknown.status_code == 400
    assert Browser(browser.client).get(path).status_code == 401
    other = make_account()
    login = Browser(browser.client).post("/auth/login/", {"email": other.email,
                                                          "password": other.password})
    headers = {"Authorization": f"Bearer {login.json_body['access']}"}
    assert browser.get(path, headers=headers).json_body["subtitle_language"] is None
