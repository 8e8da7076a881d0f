"""Uploads become transcode jobs; transcoder events drive the catalog (runner faked)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.catalog.models import MovieModel
from chalicelib.core.clients import aws_client
from chalicelib.core.settings import Settings
from chalicelib.transcode.jobs import TranscodeJob
from chalicelib.transcode.models import TranscodeJobModel
from chalicelib.transcode.service import accept_uploads, handle_transcoder_event
from tests.support.catalog import make_movie
from tests.support.uploads import RecordingRunner, next_upload_notification


@pytest.fixture
def runner() -> RecordingRunner:
    return RecordingRunner()


def upload(settings: Settings, key: str, body: bytes = b"video bytes") -> str:
    aws_client("s3").put_object(Bucket=settings.buckets.uploads, Key=key, Body=body)
    return next_upload_notification(settings)


def ready_event(job: TranscodeJob, **overrides: Any) -> str:
    prefix = f"videos/{job.movie_id}/{job.version}"
    return json.dumps({
        "type": "ready", "job_id": job.run_id, "movie_id": job.movie_id,
        "version": job.version, "duration": 6.0, "audio": True,
        "master_playlist_key": f"{prefix}/master.m3u8",
        "thumbnail_key": f"{prefix}/thumbnail.jpg", "vtt_key": f"{prefix}/thumbnails.vtt",
        "renditions": [{"name": f"{h}p", "height": h, "width": h * 16 // 9,
                        "bandwidth": h * 3000, "codecs": "avc1.64001f,mp4a.40.2",
                        "playlist_key": f"{prefix}/{h}p/index.m3u8", "bytes": 1000}
                       for h in (480, 720)],
        **overrides,
    })


def failed_event(job: TranscodeJob, retryable: bool, reason: str = "ffmpeg was killed") -> str:
    return json.dumps({"type": "failed", "job_id": job.run_id, "movie_id": job.movie_id,
                       "version": job.version, "code": "transcode_failed", "reason": reason,
                       "retryable": retryable})


def test_an_upload_for_a_movie_starts_one_job(stack: Settings, runner: RecordingRunner) -> None:
    movie = make_movie("Upload Me", status="draft")
    notification = upload(stack, f"videos/{movie.movie_id}/my cut.mp4")

    accept_uploads(notification, runner)
    accept_uploads(notification, runner)  # the same event delivered again

    [job] = runner.started
    assert (job.movie_id, job.source_key) == (movie.movie_id, f"videos/{movie.movie_id}/my cut.mp4")
    stored = MovieModel.get(movie.movie_id)
    assert (stored.status, stored.pending_version) == ("processing", job.version)


def test_an_upload_without_a_movie_makes_a_draft_and_moves_the_file(
    stack: Settings, runner: RecordingRunner
) -> None:
    accept_uploads(upload(stack, "videos/The Grand Budapest_Hotel.mp4"), runner)
    assert runner.started == []  # the move's own event starts the job

    accept_uploads(next_upload_notification(stack), runner)

    [job] = runner.started
    movie = MovieModel.get(job.movie_id)
    assert movie.title == "The Grand Budapest Hotel"
    assert job.source_key == f"videos/{job.movie_id}/The Grand Budapest_Hotel.mp4"
    listed = aws_client("s3").list_objects_v2(Bucket=stack.buckets.uploads)["Contents"]
    assert [o["Key"] for o in listed] == [job.source_key]


def test_progress_then_ready_publishes_the_version(stack: Settings,
                                                   runner: RecordingRunner) -> None:
    movie = make_movie("Fresh", status="draft")
    accept_uploads(upload(stack, f"videos/{movie.movie_id}/a.mp4"), runner)
    [job] = runner.started

    progress = json.dumps({"type": "progress", "job_id": job.run_id, "percent": 42.5,
                           "movie_id": job.movie_id, "version": job.version})
    assert handle_transcoder_event(progress) == "progress"
    assert MovieModel.get(movie.movie_id).progress == 42.5
    assert handle_transcoder_event(ready_event(job)) == "ready"
    assert handle_transcoder_event(ready_event(job)).startswith("ignored")

    stored = MovieModel.get(movie.movie_id)
    assert (stored.status, stored.current_version) == ("ready", job.version)
    assert stored.pending_version is None
    assert sorted(int(r.height) for r in stored.renditions) == [480, 720]
    assert stored.thumbnail_url == f"videos/{movie.movie_id}/{job.version}/thumbnail.jpg"
    assert handle_transcoder_event(progress).startswith("ignored")


def test_a_replacement_keeps_the_old_version_until_the_new_one_is_ready(
    stack: Settings, runner: RecordingRunner
) -> None:
    movie = make_movie("Remastered", status="draft")
    accept_uploads(upload(stack, f"videos/{movie.movie_id}/v1.mp4"), runner)
    handle_transcoder_event(ready_event(runner.started[0]))
    old = runner.started[0]
    old_master = f"videos/{movie.movie_id}/{old.version}/master.m3u8"
    aws_client("s3").put_object(Bucket=stack.buckets.media, Key=old_master, Body=b"#EXTM3U")

    accept_uploads(upload(stack, f"videos/{movie.movie_id}/v2.mp4"), runner)
    during = MovieModel.get(movie.movie_id)
    assert (during.status, during.current_version) == ("ready", old.version)
    handle_transcoder_event(ready_event(runner.started[1]))

    after = MovieModel.get(movie.movie_id)
    assert after.current_version == runner.started[1].version
    remaining = aws_client("s3").list_objects_v2(Bucket=stack.buckets.media,
                                                 Prefix=f"videos/{movie.movie_id}/")
    assert old_master not in [o["Key"] for o in remaining.get("Contents", [])]


def test_retryable_failures_are_retried_then_fail_the_movie(
    stack: Settings, runner: RecordingRunner
) -> None:
    movie = make_movie("Unlucky", status="draft")
    accept_uploads(upload(stack, f"videos/{movie.movie_id}/a.mp4"), runner)

    for attempt in (1, 2):
        assert handle_transcoder_event(failed_event(runner.started[-1], True), runner) == (
            f"retrying (attempt {attempt + 1})")
    assert handle_transcoder_event(failed_event(runner.started[-1], True), runner) == "failed"

    assert [job.attempt for job in runner.started] == [1, 2, 3]
    stored = MovieModel.get(movie.movie_id)
    assert (stored.status, stored.status_reason) == ("failed", "ffmpeg was killed")
    stale = handle_transcoder_event(failed_event(runner.started[0], True), runner)
    assert stale.startswith("ignored")


def test_a_non_video_fails_at_once_with_its_reason(stack: Settings,
                                                   runner: RecordingRunner) -> None:
    movie = make_movie("Not a film", status="draft")
    accept_uploads(upload(stack, f"videos/{movie.movie_id}/song.m4a"), runner)

    outcome = handle_transcoder_event(failed_event(
        runner.started[0], False, reason="the file has no video stream"), runner)

    assert outcome == "failed" and len(runner.started) == 1
    record = TranscodeJobModel.get(runner.started[0].job_id)
    assert (record.state, record.reason) == ("failed", "the file has no video stream")
    assert MovieModel.get(movie.movie_id).status_reason == "the file has no video stream"


def test_events_of_an_unknown_job_or_garbage(stack: Settings) -> None:
    assert handle_transcoder_event(json.dumps({"type": "ready", "job_id": "nope.1"})) == (
        "ignored: unknown job")
    with pytest.raises(Exception, match="transcoder event"):
        handle_transcoder_event(json.dumps({"type": "party"}))
