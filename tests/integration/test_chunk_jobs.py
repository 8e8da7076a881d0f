"""The handler's bookkeeping of a chunked transcode, with synthetic task events: one task
per chunk, the audio's and the finish started from the plan, duplicates and stale attempts
changing nothing, a failed chunk retried alone, the finish's playable and ready made the
job's, the tasks still
running stopped once when the job fails or starts over, and a task that ran on leaving
nothing of a dead version (runner faked)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.catalog.models import MovieModel
from chalicelib.core.clients import aws_client
from chalicelib.core.errors import InvalidInput
from chalicelib.core.settings import Settings
from chalicelib.transcode.chunk_tasks import ChunkTask, TaskRun
from chalicelib.transcode.jobs import TranscodeJob
from chalicelib.transcode.models import TranscodeJobModel
from chalicelib.transcode.service import accept_uploads, handle_transcoder_event
from tests.integration.test_transcode_jobs import task_stopped
from tests.support.catalog import make_movie
from tests.support.progressive import playable_event
from tests.support.uploads import RecordingRunner, failed_event, ready_event, upload

LADDER = {"rungs": [{"name": "144p", "width": 256, "height": 144, "maxrate_kbps": 300,
                     "bufsize_kbps": 600}], "frame_rate": 25.0, "audio": True,
          "source_frame_rate": 25.0}
# 0-12 s, 12-20 s, 20 s to the end (30 s): the percent weighs 12, 8 and 10.
CHUNKS = [{"index": 0, "start_seconds": 0.0, "end_seconds": 12.0, "first_segment": 0,
           "segments": 4},
          {"index": 1, "start_seconds": 12.0, "end_seconds": 20.0, "first_segment": 4,
           "segments": 2},
          {"index": 2, "start_seconds": 20.0, "end_seconds": None, "first_segment": 6,
           "segments": 2}]



@pytest.fixture
def job(stack: Settings, runner: RecordingRunner) -> TranscodeJob:
    movie = make_movie("In Pieces", status="draft")
    accept_uploads(upload(stack, f"videos/{movie.movie_id}/long.mp4"), runner)
    [first] = runner.started
    return first


def planned(job: TranscodeJob, **overrides: Any) -> str:
    return json.dumps({"type": "planned", "job_id": job.run_id, "movie_id": job.movie_id,
                       "version": job.version, "chunks": CHUNKS, "ladder": LADDER,
                       "shift": 0.0, "duration": 30.0, "audio": True, **overrides})


def task_event(task: ChunkTask, kind: str, **fields: Any) -> str:
    schema = {"code": "transcode_failed"} if kind == "failed" else {}  # a failure names one
    return json.dumps({"type": kind, "job_id": task.run_id, "movie_id": task.movie_id,
                       "version": task.version, **schema, **fields})


def tasks(runner: RecordingRunner) -> dict[str, list[ChunkTask]]:
    """The chunk tasks started so far, by task name, in order."""
    started: dict[str, list[ChunkTask]] = {}
    for task in runner.started:
        if isinstance(task, ChunkTask):
            started.setdefault(task.task, []).append(task)
    return started


def states(job: TranscodeJob) -> dict[str, tuple[int, str]]:
    record = TranscodeJobModel.get(job.job_id)
    assert record.chunk_tasks is not None
    return {name: (int(s["attempt"]), s["state"])
            for name, s in record.chunk_tasks.as_dict().items()}


def test_the_plan_starts_one_task_per_chunk_the_audios_and_the_finish_once(
    stack: Settings, runner: RecordingRunner, job: TranscodeJob,
) -> None:
    assert handle_transcoder_event(planned(job), runner) == "planned: 3 chunks and the audio"
    assert handle_transcoder_event(planned(job), runner) == "ignored: planned already"

    started = tasks(runner)
    assert sorted(started) == ["audio", "c0", "c1", "c2", "finish"]
    assert all(len(runs) == 1 for runs in started.values())
    c1 = started["c1"][0]
    arguments = c1.arguments(stack)
    assert arguments[0] == "chunk"
    assert json.loads(arguments[arguments.index("--chunk") + 1]) == CHUNKS[1]
    assert arguments[arguments.index("--job-id") + 1] == f"{job.run_id}/c1.1"
    assert arguments[arguments.index("--source-key") + 1] == job.source_key
    assert started["audio"][0].arguments(stack)[0] == "chunk-audio"
    # The finish publishes the chunks as they finish: it runs from the start.
    finish = started["finish"][0].arguments(stack)
    assert finish[:1] == ["chunk-finish"] and finish[finish.index("--chunk-count") + 1] == "3"
    assert states(job) == {"c0": (1, "running"), "c1": (1, "running"),
                           "c2": (1, "running"), "audio": (1, "running"),
                           "finish": (1, "running")}


def test_progress_is_the_chunks_weighted_by_their_length(
    runner: RecordingRunner, job: TranscodeJob,
) -> None:
    handle_transcoder_event(planned(job), runner)
    started = tasks(runner)

    handle_transcoder_event(task_event(started["c0"][0], "progress", percent=50.0), runner)
    handle_transcoder_event(task_event(started["c2"][0], "progress", percent=100.0), runner)
    handle_transcoder_event(task_event(started["audio"][0], "progress", percent=90.0), runner)

    # (12 x 50 + 10 x 100) / 30; the audio is not counted.
    assert MovieModel.get(job.movie_id).progress == pytest.approx(53.3)


def test_ends_in_any_order_count_once_and_the_finishs_playable_and_ready_are_the_jobs(
    stack: Settings, runner: RecordingRunner, job: TranscodeJob,
) -> None:
    handle_transcoder_event(planned(job), runner)
    started = tasks(runner)
    order = ["c2", "audio", "c0", "c2", "c1", "c1", "audio"]
    [finish] = started["finish"]

    outcomes = [handle_transcoder_event(task_event(started[name][0], "task_done"), runner)
                for name in order]
    playable = [handle_transcoder_event(event, runner) for event in (
        playable_event(started["c0"][0]), playable_event(finish), playable_event(finish))]

    assert outcomes == ["progress", "progress", "progress", "ignored: stale task event",
                        "progress", "ignored: stale task event", "ignored: stale task event"]
    assert playable == ["ignored: c0 sends no playable event", "playable",
                        "ignored: superseded or told already"]
    assert MovieModel.get(job.movie_id).status == "playable"
    assert len(tasks(runner)["finish"]) == 1  # no task's end starts another
    assert finish.run_id == f"{job.run_id}/finish.1"
    assert handle_transcoder_event(ready_event(finish), runner) == "ready"
    assert handle_transcoder_event(ready_event(finish), runner).startswith("ignored")
    movie = MovieModel.get(job.movie_id)
    assert (movie.status, movie.current_version) == ("ready", job.version)


def test_a_failed_chunk_is_retried_alone_and_its_stale_attempt_is_ignored(
    runner: RecordingRunner, job: TranscodeJob,
) -> None:
    handle_transcoder_event(planned(job), runner)
    first = tasks(runner)["c1"][0]
    failure = task_event(first, "failed", code="transcode_failed", retryable=True,
                         reason="ffmpeg was killed")

    assert handle_transcoder_event(failure, runner) == (
        "retrying c1 (attempt 2): ffmpeg was killed")
    assert handle_transcoder_event(failure, runner) == "ignored: stale task event"
    assert handle_transcoder_event(task_event(first, "task_done"), runner) == (
        "ignored: stale task event")

    started = tasks(runner)
    assert [t.task_attempt for t in started["c1"]] == [1, 2]
    assert all(len(started[name]) == 1 for name in ("c0", "c2", "audio"))
    assert started["c1"][1].run_id == f"{job.run_id}/c1.2"
    assert states(job)["c1"] == (2, "running")
    assert TranscodeJobModel.get(job.job_id).attempt == 1  # the job itself goes on


def test_a_chunk_task_killed_on_ecs_is_found_by_its_run_id_and_retried(
    stack: Settings, runner: RecordingRunner, job: TranscodeJob,
) -> None:
    handle_transcoder_event(planned(job), runner)
    killed = tasks(runner)["c2"][0]

    assert handle_transcoder_event(task_stopped(stack, killed, 137), runner).startswith(
        "retrying c2 (attempt 2): the transcoder task exited with code 137")
    assert TaskRun.parse(tasks(runner)["c2"][1].run_id) == TaskRun(job.run_id, "c2", 2)


def test_a_chunk_that_keeps_failing_or_a_corrupt_range_fails_the_movie(
    stack: Settings, runner: RecordingRunner, job: TranscodeJob,
) -> None:
    handle_transcoder_event(planned(job), runner)
    attempts = stack.transcoding.max_attempts

    for _ in range(attempts - 1):
        retried = tasks(runner)["c0"][-1]
        handle_transcoder_event(task_event(retried, "failed", retryable=True,
                                           reason="killed"), runner)
    last = tasks(runner)["c0"][-1]
    assert last.task_attempt == attempts
    assert handle_transcoder_event(task_event(last, "failed", retryable=True,
                                              reason="killed"), runner) == "failed"

    movie = MovieModel.get(job.movie_id)
    assert movie.status == "failed"
    assert movie.status_reason == f"chunk 0 (0 s to 12 s) (run {attempts} times): killed"
    assert TranscodeJobModel.get(job.job_id).state == "failed"


def test_a_corrupt_range_fails_at_once_with_the_reason(
    runner: RecordingRunner, job: TranscodeJob,
) -> None:
    handle_transcoder_event(planned(job), runner)
    corrupt = tasks(runner)["c1"][0]

    outcome = handle_transcoder_event(task_event(
        corrupt, "failed", code="source_corrupt", retryable=False,
        reason="the source does not decode cleanly"), runner)

    assert outcome == "failed"
    assert MovieModel.get(job.movie_id).status_reason == (
        "chunk 1 (12 s to 20 s): the source does not decode cleanly")
    assert len(tasks(runner)["c1"]) == 1


def test_bad_task_events_are_refused_or_ignored(
    runner: RecordingRunner, job: TranscodeJob,
) -> None:
    with pytest.raises(InvalidInput):
        handle_transcoder_event(planned(job, chunks=[{"index": 3}]), runner)
    with pytest.raises(InvalidInput):
        handle_transcoder_event(json.dumps({"type": "task_done", "job_id": job.run_id}),
                                runner)
    not_planned = ChunkTask.of(job, "c0", 1, ())
    assert handle_transcoder_event(task_event(not_planned, "task_done"), runner) == (
        "ignored: the job is not chunked")
    # A task's event is read by the transcoder events' schema before anything is done.
    with pytest.raises(InvalidInput, match="percent"):
        handle_transcoder_event(task_event(not_planned, "progress", percent="half"), runner)
    with pytest.raises(InvalidInput, match="retryable"):
        handle_transcoder_event(task_event(not_planned, "failed", reason="x"), runner)
    assert runner.started == [job]


def task_ids(runner: RecordingRunner) -> dict[str, str]:
    """The id RecordingRunner gave each task's run, by run id."""
    return {job.run_id: f"recorded:{n}" for n, job in enumerate(runner.started, start=1)}


def late_upload(stack: Settings, job: TranscodeJob, name: str) -> str:
    """An object under the job's version, as a task that was not stopped uploads it."""
    key = f"videos/{job.movie_id}/{job.version}/{name}"
    aws_client("s3").put_object(Bucket=stack.buckets.media, Key=key, Body=b"late")
    return key


def media_keys(stack: Settings, job: TranscodeJob) -> list[str]:
    listed = aws_client("s3").list_objects_v2(
        Bucket=stack.buckets.media, Prefix=f"videos/{job.movie_id}/{job.version}/")
    return [item["Key"] for item in listed.get("Contents", [])]


def test_a_failed_movie_stops_its_running_tasks_once_and_late_output_goes(
    stack: Settings, runner: RecordingRunner, job: TranscodeJob,
) -> None:
    handle_transcoder_event(planned(job), runner)
    started, ids = tasks(runner), task_ids(runner)
    handle_transcoder_event(task_event(started["c0"][0], "task_done"), runner)
    corrupt = task_event(started["c1"][0], "failed", code="source_corrupt", retryable=False,
                         reason="the source does not decode cleanly")

    assert handle_transcoder_event(corrupt, runner) == "failed"
    # c0 ended, c1 is the one that failed: the chunk still encoding, the audio and the
    # finish stop.
    expected = sorted((ids[t.run_id], t.run_id) for t in (
        started["c2"][0], started["audio"][0], started["finish"][0]))
    assert sorted(runner.stopped) == expected

    late = late_upload(stack, job, "144p/seg_00006.m4s")
    assert handle_transcoder_event(corrupt, runner) == "ignored: stale event"
    assert handle_transcoder_event(task_event(started["c2"][0], "task_done"), runner) == (
        "ignored: stale task event")
    assert handle_transcoder_event(task_event(
        started["audio"][0], "failed", retryable=True, reason="stopped by SIGTERM"),
        runner) == "ignored: stale task event"
    assert sorted(runner.stopped) == expected  # asked once, whatever came after
    assert late not in media_keys(stack, job) and media_keys(stack, job) == []
    assert len(runner.started) == 1 + 5  # nothing retried


def test_a_whole_job_retry_stops_the_old_tasks_and_spares_the_new_attempts_files(
    stack: Settings, runner: RecordingRunner, job: TranscodeJob,
) -> None:
    handle_transcoder_event(planned(job), runner)
    old, ids = tasks(runner), task_ids(runner)

    assert handle_transcoder_event(failed_event(job, True), runner) == "retrying (attempt 2)"
    assert sorted(runner.stopped) == sorted((ids[t[0].run_id], t[0].run_id)
                                            for t in old.values())
    [retried] = [j for j in runner.started if j.run_id == f"{job.job_id}.2"]
    handle_transcoder_event(planned(retried), runner)
    # The new attempt writes the same names under the same version.
    current = late_upload(stack, job, "144p/seg_00000.m4s")
    manifest = late_upload(stack, job, "chunks/c0.json")

    assert handle_transcoder_event(task_event(old["c0"][0], "task_done"), runner) == (
        "ignored: stale task event")
    assert handle_transcoder_event(task_event(old["c1"][0], "failed", retryable=False,
                                              reason="stopped"), runner).startswith(
        "ignored: stale")
    assert sorted(media_keys(stack, job)) == sorted([current, manifest])
    assert len(runner.stopped) == 5  # the new attempt's tasks run on
    assert TranscodeJobModel.get(job.job_id).state == "running"


def test_a_task_started_after_its_job_failed_stops_at_once(
    stack: Settings, job: TranscodeJob,
) -> None:
    """The job fails (another event, another Lambda) while this one starts the chunks'
    tasks: the ones started after the failure are not on its list, so they stop
    themselves."""

    class FailingMidway(RecordingRunner):
        def start(self, started: TranscodeJob) -> str:
            task_id = super().start(started)
            if isinstance(started, ChunkTask) and started.task == "c1":
                handle_transcoder_event(failed_event(job, False), self)
            return task_id

    runner = FailingMidway()
    handle_transcoder_event(planned(job), runner)

    ids = task_ids(runner)
    started = tasks(runner)
    # c0 was recorded before the failure and stopped by it; c1, c2 and the audio after.
    assert sorted(runner.stopped) == sorted((ids[t[0].run_id], t[0].run_id)
                                            for t in started.values())
    assert TranscodeJobModel.get(job.job_id).state == "failed"
