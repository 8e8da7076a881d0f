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
from tests.support.uploads import (
    RecordingRunner,
    failed_event,
    next_upload_notification,
    ready_event,
    upload,
)


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


def task_stopped(settings: Settings, job: TranscodeJob, exit_code: int | None,
                 **detail: Any) -> str:
    """An ECS Task State Change as EventBridge puts it on the queue, for the task the
    ECS runner started with the job's command line."""
    container: dict[str, Any] = {"name": "transcoder", "lastStatus": "STOPPED"}
    if exit_code is not None:
        container["exitCode"] = exit_code
    return json.dumps({
        "version": "0", "source": "aws.ecs", "detail-type": "ECS Task State Change",
        "detail": {
            "lastStatus": "STOPPED", "stopCode": "EssentialContainerExited",
            "stoppedReason": "Essential container in task exited", "containers": [container],
            "overrides": {"containerOverrides": [
                {"name": "transcoder", "command": job.arguments(settings)}]},
            **detail,
        },
    })


def test_a_task_killed_before_it_reported_is_retried(
    stack: Settings, runner: RecordingRunner
) -> None:
    movie = make_movie("Out of memory", status="draft")
    accept_uploads(upload(stack, f"videos/{movie.movie_id}/a.mp4"), runner)
    job = runner.started[0]

    outcome = handle_transcoder_event(task_stopped(stack, job, 137), runner)

    assert outcome == "retrying (attempt 2)"
    assert TranscodeJobModel.get(job.job_id).reason == (
        "the transcoder task exited with code 137: Essential container in task exited")


def test_a_task_that_never_started_is_retried_then_fails_the_movie(
    stack: Settings, runner: RecordingRunner
) -> None:
    movie = make_movie("No image", status="draft")
    accept_uploads(upload(stack, f"videos/{movie.movie_id}/a.mp4"), runner)
    never_started = {"stopCode": "TaskFailedToStart",
                     "stoppedReason": "CannotPullContainerError: image not found"}

    outcomes = [handle_transcoder_event(task_stopped(stack, runner.started[-1], None,
                                                     **never_started), runner)
                for _ in range(3)]

    assert outcomes == ["retrying (attempt 2)", "retrying (attempt 3)", "failed"]
    assert MovieModel.get(movie.movie_id).status_reason == (
        "the transcoder task never started: CannotPullContainerError: image not found")


@pytest.mark.parametrize("exit_code", [0, 1, 2])
def test_a_task_whose_transcoder_reported_changes_nothing(
    stack: Settings, runner: RecordingRunner, exit_code: int
) -> None:
    movie = make_movie("Reported", status="draft")
    accept_uploads(upload(stack, f"videos/{movie.movie_id}/a.mp4"), runner)

    outcome = handle_transcoder_event(task_stopped(stack, runner.started[0], exit_code), runner)

    assert outcome == "ignored: nothing to report for this task"
    assert TranscodeJobModel.get(runner.started[0].job_id).state == "running"


def test_task_changes_that_are_not_a_stopped_transcoder_are_ignored(stack: Settings) -> None:
    job = TranscodeJob("nope", 1, "m", "v1", "uploads", "videos/m/a.mp4")
    running = json.loads(task_stopped(stack, job, None))
    running["detail"]["lastStatus"] = "RUNNING"
    other_task = json.loads(task_stopped(stack, job, 137))
    other_task["detail"]["overrides"]["containerOverrides"][0]["command"] = ["serve"]

    for change in (running, other_task):
        assert handle_transcoder_event(json.dumps(change)) == (
            "ignored: nothing to report for this task")
    assert handle_transcoder_event(task_stopped(stack, job, 137)) == "ignored: unknown job"
