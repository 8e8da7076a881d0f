"""A chunked transcode, driven from the transcode-events queue (as Lambda drives it in the
cloud): the job's first task probes and sends `planned` instead of encoding; this starts
one task per chunk, one for the audio and the `finish` task through the TaskRunner,
follows them and retries a failed one alone. The finish publishes the chunks as they
finish (growing playlists, the master, `playable`), then joins them (stitch, final
playlists, thumbnails, `ready`) once every other task is done.

Events of the tasks (run ids as chunk_tasks.TaskRun says; their shapes, which the
transcoder shares: chalicelib/contracts/transcoder_events.py):
    planned:   {"type", "job_id" (the job's), "movie_id", "version", "chunks": [{"index",
                "start_seconds", "end_seconds", "first_segment", "segments"}], "ladder",
                "shift", "duration", "audio"}
    progress:  {"type", "job_id" (a task's), "percent"}
    task_done: {"type", "job_id" (a task's)}
    failed:    {"type", "job_id" (a task's), "reason", "code", "retryable"}
    playable:  {"type", "job_id" (the finish task's), ...as the one-pass playable}
    ready:     {"type", "job_id" (the finish task's), ...as the one-pass ready}

Invariants, each held by a condition on the job record so that a redelivered or stale
event changes nothing twice: a task's event counts only for its current attempt and
while it runs; the plan is taken once per job attempt, with every task's entry.
Progress, task_done, the finish's playable and ready and a final failure come back as an event of
the job itself, for job_events to apply as it applies the one-pass transcoder's.

A job that fails or starts over stops the tasks of its attempt that still run
(stop_running_tasks, called by whoever won that change); a task's id is recorded on its
entry once started, and a task started just after the change stops itself. A task that
could not be stopped still leaves nothing: its closing event, stale by then, discards
what it uploaded (_discard_late_output).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import msgspec
from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.expressions.condition import Condition

from chalicelib.catalog.media import delete_prefix, version_prefix
from chalicelib.contracts import transcoder_events as schema
from chalicelib.core.clients import s3
from chalicelib.core.clock import now_iso
from chalicelib.core.dynamo import is_condition_failure
from chalicelib.core.errors import InvalidInput
from chalicelib.core.settings import get_settings
from chalicelib.transcode.chunk_tasks import (
    AUDIO,
    FINISH,
    ChunkTask,
    TaskRun,
    chunk_index,
    chunk_task,
    task_command,
)
from chalicelib.transcode.jobs import split_run_id
from chalicelib.transcode.models import FAILED, READY, RUNNING, TranscodeJobModel
from chalicelib.transcode.runners import TaskRunner

logger = logging.getLogger(__name__)

PLANNED, TASK_DONE = "planned", "task_done"
EVENT_TYPES = (PLANNED, TASK_DONE)
TASK_RUNNING, TASK_DONE_STATE = "running", "done"
CLOSING_EVENTS = (TASK_DONE, "failed", "ready")
MANIFESTS = "chunks/"  # transcoder/chunk_manifest.py: `chunks/<task>.json` in the version
# Until the finish task has written the master, the movie is not done.
MOST_PERCENT_BEFORE_READY = 99.0

# The plan as the job stores it (chunk_plan, JSON) and the tasks are given it.
Plan = dict[str, Any]


@dataclass(frozen=True)
class Outcome:
    said: str  # what was done, for logs and tests
    # An event of the job itself, for job_events to apply.
    then: schema.TranscoderEvent | None = None


def is_task_event(event: Mapping[str, Any]) -> bool:
    """An event for chunk_jobs rather than the one-pass path (a task_done that names no
    task is refused there)."""
    return "/" in str(event.get("job_id", "")) or event.get("type") == TASK_DONE


def start_chunk_tasks(record: TranscodeJobModel, attempt: int, event: schema.Planned,
                      runner: TaskRunner) -> str:
    """Take the plan of this job attempt (once) and start every chunk's task and the
    audio's."""
    plan = _parse_plan(event)
    tasks = {chunk_task(i): _new_task(1, _weight(plan, i)) for i in range(len(plan["chunks"]))}
    if plan["audio"]:
        tasks[AUDIO] = _new_task(1, 0.0)
    tasks[FINISH] = _new_task(1, 0.0)  # from the start: it publishes as chunks finish
    model = TranscodeJobModel
    if not _update(record, attempt, [
            model.chunk_plan.set(json.dumps(plan)), model.planned_attempt.set(attempt),
            model.chunk_tasks.set(tasks)],
            model.planned_attempt.does_not_exist() | (model.planned_attempt < attempt)):
        return "ignored: planned already"
    for task in tasks:
        _start(record, task, 1, plan, runner)
    return f"planned: {len(plan['chunks'])} chunks{' and the audio' if plan['audio'] else ''}"


def apply_task_event(event: schema.TranscoderEvent, runner: TaskRunner) -> Outcome:
    """One task's progress, end or failure."""
    run = TaskRun.parse(event.job_id)
    if run is None:
        raise InvalidInput("Not a transcode task's run id.")
    job_id, attempt = split_run_id(run.job_run_id)
    try:
        record = TranscodeJobModel.get(job_id, consistent_read=True)
    except DoesNotExist:
        return Outcome("ignored: unknown job")
    if record.chunk_plan is None:
        return Outcome("ignored: the job is not chunked")
    if schema.kind(event) in CLOSING_EVENTS:
        _discard_late_output(record, run)
    match event:
        case schema.Progress(percent=percent):
            return _progress(record, attempt, run, percent)
        case schema.TaskDone():
            return _done(record, attempt, run)
        case schema.Failed():
            return _failed(record, attempt, run, event, runner)
    return _from_finish(record, attempt, run, event)


def _progress(record: TranscodeJobModel, attempt: int, run: TaskRun, percent: float) -> Outcome:
    percent = min(max(percent, 0.0), 100.0)
    if not _update(record, attempt, [_task(run.task)["percent"].set(percent)],
                   _current(run)):
        return Outcome("ignored: stale task event")
    return Outcome("task progress", _job_progress(record, run))


def _done(record: TranscodeJobModel, attempt: int, run: TaskRun) -> Outcome:
    """A chunk's or the audio's end (the finish, which follows their manifests, hears of
    it on its own)."""
    if run.task == FINISH:
        return Outcome("ignored: the finish task ends with ready")
    if not _update(record, attempt, [_task(run.task)["state"].set(TASK_DONE_STATE),
                                     _task(run.task)["percent"].set(100.0)], _current(run)):
        return Outcome("ignored: stale task event")
    return Outcome(f"{run.task} done", _job_progress(record, run))


def _from_finish(record: TranscodeJobModel, attempt: int, run: TaskRun,
                 event: schema.TranscoderEvent) -> Outcome:
    """The finish task's playable and ready are the job's: job_events applies them (the
    catalog's own conditions make a repeated playable change nothing)."""
    kind = schema.kind(event)
    if not isinstance(event, schema.Playable | schema.Ready) or run.task != FINISH:
        return Outcome(f"ignored: {run.task} sends no {kind} event")
    state = _tasks(record).get(run.task)
    if state is None or int(state["attempt"]) != run.attempt \
            or int(record.attempt) != attempt:
        return Outcome("ignored: stale task event")
    return Outcome("finished" if kind == "ready" else "playable",
                   msgspec.structs.replace(event, job_id=run.job_run_id))


def _failed(record: TranscodeJobModel, attempt: int, run: TaskRun, event: schema.Failed,
            runner: TaskRunner) -> Outcome:
    """Retried alone while attempts are left and a retry may help; otherwise the movie
    fails with the task's reason."""
    state = _tasks(record).get(run.task)
    if state is None or int(state["attempt"]) != run.attempt or state["state"] != TASK_RUNNING:
        return Outcome("ignored: stale task event")
    reason = event.reason or "the task failed"
    plan = json.loads(str(record.chunk_plan))
    if event.retryable and run.attempt < get_settings().transcoding.max_attempts:
        if not _update(record, attempt, [_task(run.task).set(
                _new_task(run.attempt + 1, float(state.get("weight") or 0)))], _current(run)):
            return Outcome("ignored: stale task event")
        _start(record, run.task, run.attempt + 1, plan, runner)
        return Outcome(f"retrying {run.task} (attempt {run.attempt + 1}): {reason}")
    runs = f" (run {run.attempt} times)" if run.attempt > 1 else ""
    return Outcome(f"{run.task} failed", schema.Failed(
        job_id=run.job_run_id, movie_id=record.movie_id, version=record.version,
        code=event.code or "transcode_failed", retryable=False,
        reason=f"{_label(run.task, plan)}{runs}: {reason}", task_run_id=run.run_id))


def stop_running_tasks(record: TranscodeJobModel, attempt: int, runner: TaskRunner,
                       ended: str | None = None) -> list[str]:
    """Stop the tasks of job attempt `attempt` that still run (all but `ended`, a task's
    run id), for a job that failed or started over; the run ids asked to stop. `record`
    must be read after that change, and only its winner calls this, so each is asked
    once."""
    if record.chunk_plan is None or record.planned_attempt is None \
            or int(record.planned_attempt) != attempt:
        return []  # no task of this attempt started (an older attempt's were stopped)
    stopped = []
    for name, state in _tasks(record).items():
        run = TaskRun(f"{record.job_id}.{attempt}", name, int(state["attempt"]))
        task_id = state.get("task_id")
        if state["state"] == TASK_RUNNING and task_id and run.run_id != ended \
                and _stop(runner, str(task_id), run.run_id):
            stopped.append(run.run_id)
    return stopped


def _stop(runner: TaskRunner, task_id: str, run_id: str) -> bool:
    """Best effort: a task that cannot be stopped is logged, and its late output goes
    when it ends."""
    try:
        runner.stop(task_id, run_id)
    except Exception:
        logger.warning("could not stop a transcode task", exc_info=True,
                       extra={"run_id": run_id, "task": task_id})
        return False
    logger.info("transcode task stopped", extra={"run_id": run_id, "task": task_id})
    return True


def _discard_late_output(record: TranscodeJobModel, run: TaskRun) -> None:
    """A task's end when its job has ended: what it uploaded must not outlive the job.
    A failed job's version is dead (a re-run gets a new one): all of it goes, whoever
    wrote it. A ready job's finish has joined the chunks and removed their manifests: a
    late one goes, but not the segments, whose names are the published ones. While the
    job runs, nothing goes: every name a replaced attempt wrote is one the attempt now
    running writes too, and that attempt's own end cleans up."""
    prefix = version_prefix(record.movie_id, record.version)
    if record.state == FAILED:
        delete_prefix(get_settings().buckets.media, prefix)
    elif record.state == READY and run.task != FINISH:
        s3().delete_object(Bucket=get_settings().buckets.media,
                           Key=f"{prefix}{MANIFESTS}{run.task}.json")


def _start(record: TranscodeJobModel, task: str, task_attempt: int, plan: Plan,
           runner: TaskRunner) -> None:
    threads = get_settings().transcoding.chunk_threads
    started = ChunkTask.of(record.job(), task, task_attempt, task_command(task, plan, threads))
    task_id = runner.start(started)
    logger.info("transcode task started", extra={"run_id": started.run_id, "task": task_id})
    # Recorded while the job attempt runs, for stop_running_tasks; when it has failed or
    # started over meanwhile, its tasks were stopped without this one: it stops now.
    if not _update(record, started.attempt, [_task(task)["task_id"].set(task_id)],
                   _task(task)["attempt"] == task_attempt):
        _stop(runner, task_id, started.run_id)


def _job_progress(record: TranscodeJobModel, run: TaskRun) -> schema.Progress:
    """The movie's percent: the chunks' own, weighted by their seconds of picture."""
    chunks = [s for name, s in _tasks(record).items() if chunk_index(name) is not None]
    total = sum(float(s.get("weight") or 0) for s in chunks) or 1.0
    percent = sum(float(s.get("weight") or 0) * float(s.get("percent") or 0)
                  for s in chunks) / total
    return schema.Progress(job_id=run.job_run_id, movie_id=record.movie_id,
                           version=record.version,
                           percent=min(percent, MOST_PERCENT_BEFORE_READY))


def _tasks(record: TranscodeJobModel) -> dict[str, dict[str, Any]]:
    if record.chunk_tasks is None:
        return {}
    tasks: dict[str, dict[str, Any]] = record.chunk_tasks.as_dict()
    return tasks


def _task(name: str) -> Any:
    return TranscodeJobModel.chunk_tasks[name]  # a document path, for updates and conditions


def _current(run: TaskRun) -> Condition:
    """The event is of the task's current attempt, which still runs."""
    running: Condition = (_task(run.task)["attempt"] == run.attempt) \
        & (_task(run.task)["state"] == TASK_RUNNING)
    return running


def _new_task(attempt: int, weight: float) -> dict[str, Any]:
    return {"attempt": attempt, "state": TASK_RUNNING, "percent": 0.0, "weight": weight}


def _update(record: TranscodeJobModel, attempt: int, actions: list[Any],
            condition: Condition) -> bool:
    """Change the job while this attempt of it runs and `condition` holds: False when it
    does not (a repeated or stale event)."""
    model = TranscodeJobModel
    try:
        record.update(actions=[*actions, model.updated_at.set(now_iso())],
                      condition=(model.state == RUNNING) & (model.attempt == attempt)
                      & condition)
    except UpdateError as error:
        if is_condition_failure(error):
            return False
        raise
    return True


def _parse_plan(event: schema.Planned) -> Plan:
    """The plan as the tasks need it (its shape read by the schema); InvalidInput when its
    chunks are not numbered from 0."""
    if not event.chunks or [c.index for c in event.chunks] != list(range(len(event.chunks))):
        raise InvalidInput("Not a chunk plan: its chunks must be numbered from 0.")
    plan: Plan = msgspec.to_builtins({"chunks": event.chunks, "ladder": event.ladder,
                                       "shift": event.shift, "duration": event.duration,
                                       "audio": event.audio})
    return plan


def _weight(plan: Plan, index: int) -> float:
    chunk = plan["chunks"][index]
    end = plan["duration"] if chunk["end_seconds"] is None else chunk["end_seconds"]
    return max(0.0, float(end) - float(chunk["start_seconds"]))


def _label(task: str, plan: Plan) -> str:
    index = chunk_index(task)
    if index is None:
        return "the audio" if task == AUDIO else "the finish"
    chunk = plan["chunks"][index]
    end = "the end" if chunk["end_seconds"] is None else f"{chunk['end_seconds']:g} s"
    return f"chunk {index} ({chunk['start_seconds']:g} s to {end})"
