"""What arrives on the transcode-events queue, applied to jobs and the catalog: the
transcoder's progress, playable, ready and failed events, ECS task stops that stand for a
failure the transcoder could not report, and deadline checks (deadlines.py).

`playable` (the version plays while it is encoded: catalog/transcoding.py) leaves the job
running, so its deadline still watches it. A failure takes the version out of the catalog
before its files are deleted: a viewer gets a clear refusal, never a playlist that names
segments that are gone."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.expressions.condition import Condition

from chalicelib.catalog import transcoding as catalog
from chalicelib.catalog.media import delete_prefix, version_prefix
from chalicelib.contracts import transcoder_events as schema
from chalicelib.core.clock import now_iso
from chalicelib.core.dynamo import is_condition_failure
from chalicelib.core.errors import InvalidInput, NotFound
from chalicelib.core.settings import get_settings
from chalicelib.transcode import chunk_jobs, deadlines, subtitle_jobs
from chalicelib.transcode.deadlines import DeadlineCheck
from chalicelib.transcode.jobs import split_run_id
from chalicelib.transcode.models import FAILED, READY, RUNNING, TranscodeJobModel
from chalicelib.transcode.outcomes import Outcome, announce_transcoded
from chalicelib.transcode.runners import TaskRunner, task_runner
from chalicelib.transcode.task_events import is_task_state_change, unreported_stop

logger = logging.getLogger(__name__)

EVENT_TYPES = (*schema.EVENT_TYPES, deadlines.CHECK)


def handle_transcoder_event(message_body: str, runner: TaskRunner | None = None, *,
                            clock: Callable[[], float] = time.time) -> str:
    """Apply one event from the transcode-events queue; returns what was done (for logs
    and tests)."""
    try:
        event = _parse_event(message_body)
    except schema.UnknownSchema as refused:
        # Not retried: a newer transcoder's job is retried when its deadline passes.
        logger.warning("transcoder event ignored: %s", refused)
        return f"ignored: {refused}"
    return _route(event, runner, clock())


def _route(event: dict[str, Any], runner: TaskRunner | None, now: float) -> str:
    """To the task, track or job attempt the event is of."""
    if is_task_state_change(event):
        stopped = unreported_stop(event, get_settings().transcoding.ecs_container)
        if stopped is None:
            return "ignored: nothing to report for this task"
        event = stopped
    if subtitle_jobs.is_subtitle_run(str(event["job_id"])):  # a track's task, no job's
        return subtitle_jobs.apply_subtitle_event(event, runner, now)
    job_event: schema.TranscoderEvent | None = None  # read once its job is known to run
    if chunk_jobs.is_task_event(event):  # a chunk task's: it may stand for the job's own
        outcome = chunk_jobs.apply_task_event(_typed(event),
                                              runner or task_runner(get_settings()))
        if outcome.then is None:
            return outcome.said
        job_event = outcome.then
    return _to_job(event, job_event, runner, now)


def _to_job(event: dict[str, Any], job_event: schema.TranscoderEvent | None,
            runner: TaskRunner | None, now: float) -> str:
    """To the job attempt, when it runs: `job_event` when a chunk task's stood for the
    job's, else `event` read now (an event of a job gone or settled is not read)."""
    run_id, kind = (str(event["job_id"]), event["type"]) if job_event is None \
        else (job_event.job_id, schema.kind(job_event))
    job_id, attempt = split_run_id(run_id)
    try:
        record = TranscodeJobModel.get(job_id, consistent_read=True)
    except DoesNotExist:
        return "ignored: unknown job"
    if record.state != RUNNING or int(record.attempt) != attempt:
        if int(record.attempt) == attempt and record.state in (READY, FAILED) \
                and kind in ("ready", "failed"):
            _announce(record)  # the first delivery may have died before it did
        return "ignored: stale event"
    if job_event is None:
        return _apply(record, attempt, DeadlineCheck.parse(event) if kind == deadlines.CHECK
                      else _typed(event), runner, now)
    return _apply(record, attempt, job_event, runner, now)


def _apply(record: TranscodeJobModel, attempt: int,
           event: schema.TranscoderEvent | DeadlineCheck, runner: TaskRunner | None,
           now: float) -> str:
    """An event of the attempt that is running."""
    match event:
        case schema.Progress(percent=percent):
            catalog.record_progress(record.movie_id, record.version, percent)
            _heard_from(record, attempt, now)
            return "progress"
        case schema.Playable():
            return _playable(record, attempt, event, now)
        case schema.Ready() | schema.Planned():
            return _ready(record, attempt, event) if isinstance(event, schema.Ready) \
                else _planned(record, attempt, event, runner, now)
        case DeadlineCheck():
            return _check_deadline(record, attempt, event, runner, now)
        case schema.Failed():
            return _failed(record, attempt, reason=event.reason, retryable=event.retryable,
                           runner=runner, now=now, ended=event.task_run_id)
        case _:  # chunk_jobs takes every task_done, _route every subtitle task's event
            return f"ignored: {schema.kind(event)} names no task"


def _playable(record: TranscodeJobModel, attempt: int, event: schema.Playable,
              now: float) -> str:
    _heard_from(record, attempt, now)
    if not catalog.show_playable(record.movie_id, record.version, attempt, event):
        return "ignored: superseded or told already"
    return "playable"


def _planned(record: TranscodeJobModel, attempt: int, event: schema.Planned,
             runner: TaskRunner | None, now: float) -> str:
    """The first task found a long source: one task per chunk takes over (chunk_jobs.py)."""
    _heard_from(record, attempt, now)
    return chunk_jobs.start_chunk_tasks(record, attempt, event,
                                        runner or task_runner(get_settings()))


def _parse_event(body: str) -> dict[str, Any]:
    try:
        event = json.loads(body)
    except ValueError:
        raise InvalidInput("A transcoder event must be JSON.") from None
    if isinstance(event, dict) and is_task_state_change(event):
        return event
    if not isinstance(event, dict) or event.get("type") not in EVENT_TYPES \
            or not isinstance(event.get("job_id"), str):
        raise InvalidInput("Not a transcoder event.")
    try:
        # The edition now; the rest in _route, once a deadline check (no transcoder
        # event) and an ECS task's stop are told apart.
        schema.check_edition(event)
    except schema.UnknownSchema:
        raise
    except schema.NotAnEvent as error:
        raise InvalidInput(f"Not a transcoder event: {error}.") from None
    return event


def _typed(event: dict[str, Any]) -> schema.TranscoderEvent:
    try:
        return schema.from_message(event)
    except schema.NotAnEvent as error:
        raise InvalidInput(f"Not a transcoder event: {error}.") from None


def _settle(record: TranscodeJobModel, attempt: int, actions: list[Any],
            unchanged: Condition | None = None) -> bool:
    """Change the job while this attempt runs (and `unchanged` holds), once, even if
    events repeat: False when another event got there first."""
    condition = (TranscodeJobModel.state == RUNNING) & (TranscodeJobModel.attempt == attempt)
    try:
        record.update(actions=[*actions, TranscodeJobModel.updated_at.set(now_iso())],
                      condition=condition if unchanged is None else condition & unchanged)
    except UpdateError as error:
        if is_condition_failure(error):
            return False
        raise
    return True


def _allowed(record: TranscodeJobModel) -> int:
    return deadlines.silence_allowed(get_settings().transcoding, int(record.source_bytes or 0))


def _heard_from(record: TranscodeJobModel, attempt: int, now: float) -> None:
    """The transcoder spoke: its deadline moves on (a job from before deadlines has none)."""
    if record.deadline_at is None:
        return
    allowed = _allowed(record)
    renewed = deadlines.deadline_from(now, allowed)
    if deadlines.worth_renewing(int(record.deadline_at), renewed, allowed):
        _settle(record, attempt, [TranscodeJobModel.deadline_at.set(renewed)])


def _check_deadline(record: TranscodeJobModel, attempt: int, check: DeadlineCheck,
                    runner: TaskRunner | None, now: float) -> str:
    if record.deadline_at is None or record.check_due != check.due:
        return "ignored: another check watches this attempt"
    deadline = int(record.deadline_at)
    if now >= deadline:
        reason = (f"no word from the transcoder for {_allowed(record)} s: it stopped "
                  "without reporting")
        outcome = _failed(record, attempt, reason=reason, retryable=True, runner=runner,
                          now=now, unchanged=TranscodeJobModel.deadline_at == deadline)
        if not outcome.startswith("ignored"):
            return outcome
        record.refresh(consistent_read=True)  # it settled, or spoke just now
        if record.state != RUNNING or int(record.attempt) != attempt:
            return outcome
        deadline = int(record.deadline_at)
    due = deadlines.schedule_check(check.run_id, deadline, now)
    if not _settle(record, attempt, [TranscodeJobModel.check_due.set(due)],
                   unchanged=TranscodeJobModel.check_due == check.due):
        return "ignored: another check watches this attempt"
    return f"watching (next check at {due})"


def _ready(record: TranscodeJobModel, attempt: int, event: schema.Ready) -> str:
    if not _settle(record, attempt, [TranscodeJobModel.state.set(READY)]):
        return "ignored: already settled"
    bucket = get_settings().buckets.media
    try:
        published = catalog.publish_version(record.movie_id, record.version, event)
    except NotFound:
        delete_prefix(bucket, version_prefix(record.movie_id, record.version))
        return "discarded: superseded or deleted"
    if published.previous_version:
        delete_prefix(bucket, version_prefix(record.movie_id, published.previous_version))
        subtitle_jobs.carry_tracks_over(record.movie_id)  # admins' tracks, made again
    if published.request_id:
        announce_transcoded(record.movie_id, published.request_id, "ready")
    return "ready"


def _failed(record: TranscodeJobModel, attempt: int, *, reason: str, retryable: bool,
            runner: TaskRunner | None, now: float, unchanged: Condition | None = None,
            ended: str | None = None) -> str:
    settings = get_settings()
    partial_output = version_prefix(record.movie_id, record.version)
    if retryable and attempt < settings.transcoding.max_attempts:
        # The next attempt's check goes out first (deadlines.schedule_check says why).
        deadline = deadlines.deadline_from(now, _allowed(record))
        due = deadlines.schedule_check(replace(record.job(), attempt=attempt + 1).run_id,
                                       deadline, now)
        if not _settle(record, attempt, [TranscodeJobModel.attempt.set(attempt + 1),
                                         TranscodeJobModel.state.set(RUNNING),
                                         TranscodeJobModel.reason.set(reason),
                                         TranscodeJobModel.deadline_at.set(deadline),
                                         TranscodeJobModel.check_due.set(due)], unchanged):
            return "ignored: already settled"
        # Only the winner of the settle cleans up, before the next attempt writes there:
        # the catalog first lets go of the version (viewers of it get a clear 409).
        record.refresh(consistent_read=True)
        _stop_tasks(record, attempt, runner, ended)
        catalog.restart_version(record.movie_id, record.version, attempt + 1, reason)
        delete_prefix(settings.buckets.media, partial_output)
        (runner or task_runner(settings)).start(record.job())
        return f"retrying (attempt {attempt + 1})"
    if not _settle(record, attempt, [TranscodeJobModel.state.set(FAILED),
                                     TranscodeJobModel.reason.set(reason)], unchanged):
        return "ignored: already settled"
    record.refresh(consistent_read=True)
    _stop_tasks(record, attempt, runner, ended)
    request_id = catalog.fail_version(record.movie_id, record.version, reason)
    delete_prefix(settings.buckets.media, partial_output)
    if request_id:
        announce_transcoded(record.movie_id, request_id, "failed", reason)
    return "failed"


def _stop_tasks(record: TranscodeJobModel, attempt: int, runner: TaskRunner | None,
                ended: str | None) -> None:
    """A chunked attempt that failed or starts over: its tasks still running stop."""
    if record.chunk_plan is not None:
        chunk_jobs.stop_running_tasks(record, attempt, runner or task_runner(get_settings()),
                                      ended)


def _announce(record: TranscodeJobModel) -> None:
    """Tell a waiting movie request how its transcode ended (telling twice is harmless)."""
    request_id = catalog.request_of(record.movie_id)
    if request_id:
        outcome: Outcome = "ready" if record.state == READY else "failed"
        announce_transcoded(record.movie_id, request_id, outcome, str(record.reason or ""))
