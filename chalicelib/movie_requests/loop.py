"""The movie-requests queue's handler: triage -> catalog -> acquire, one message each.

Every step reads the request and acts only in the state it expects, so a redelivered
message changes nothing. A failure that can never pass (the movie or the source does not
exist, the source is too large or not a video) fails the request at once; any other is
retried by the queue, and the last attempt fails the request before the message goes to
the dead-letter queue. A large source is acquired by a task instead, whose reports come
back as steps too (acquire_tasks.py).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from functools import partial

from chalicelib.catalog.requested import discard_requested_draft, provide_movie
from chalicelib.core import idempotency
from chalicelib.core.clients import s3
from chalicelib.core.errors import InvalidInput, NotFound, ReelstackError
from chalicelib.core.settings import get_settings
from chalicelib.movie_requests import acquire_tasks, ledger, service, steps
from chalicelib.movie_requests.inputs import Approval
from chalicelib.movie_requests.landing import Landing
from chalicelib.movie_requests.models import (
    ACQUIRING,
    APPROVED,
    OPEN_STATES,
    REQUESTED,
    TRANSCODING,
    RequestRecord,
)
from chalicelib.movie_requests.sources import LargeSource, find_source, source_for, source_key
from chalicelib.transcode.runners import TaskRunner

logger = logging.getLogger(__name__)

# Failures that no retry can mend: TMDb or the source says the thing does not exist, or
# the source is refused for what it is.
PERMANENT = (InvalidInput, NotFound)
MOVIE_IDS = uuid.UUID("6f1c3a52-4a8e-4b0e-9a40-2d5f0c1e7b11")


def run_step(message_body: str, receive_count: int = 1, *,
             runner: TaskRunner | None = None, clock: Callable[[], float] = time.time) -> str:
    """Do one step; returns what was done (for logs and tests). `runner` starts and stops
    acquire tasks (by default the settings' TaskRunner)."""
    step = steps.Step.from_message(message_body)
    try:
        if step.name in steps.TASK_REPORTS:
            return acquire_tasks.on_report(step, runner, clock())
        if step.name == steps.ACQUIRE:
            return acquire(step.request_id, runner, clock())
        return HANDLERS[step.name](step.request_id)
    except PERMANENT as error:
        fail(step.request_id, error.message)
        return f"failed: {error.message}"
    except Exception as error:
        if receive_count >= get_settings().movie_requests.max_attempts:
            fail(step.request_id, f"gave up after {receive_count} attempts: {_reason(error)}")
        raise


def _reason(error: Exception) -> str:
    return error.message if isinstance(error, ReelstackError) else type(error).__name__


def fail(request_id: str, reason: str) -> None:
    try:
        ledger.move(request_id, "failed", allowed_from=OPEN_STATES, note=reason, reason=reason,
                    acquire_deadline=None, acquire_check_due=None)
    except NotFound:
        return
    steps.announce_settled(request_id)  # again on a redelivery: telling is idempotent


def triage(request_id: str) -> str:
    """Auto-approval: approve a request that a configured source can satisfy."""
    request = ledger.get_request(request_id)
    if request.state != REQUESTED:
        return f"skipped: {request.state}"
    limits = get_settings().movie_requests
    source = find_source(int(request.tmdb_id or 0), limits, s3())
    if source is None:
        return "left for an admin: no configured source has it"
    service.approve(request_id, Approval(source_url=source), note="approved: a source has it")
    return "approved"


def catalog(request_id: str) -> str:
    request = ledger.get_request(request_id)
    if request.state == APPROVED:
        movie = provide_movie(int(request.tmdb_id or 0), request_id, movie_id_for(request_id))
        next_state = TRANSCODING if movie.processing or movie.ready else ACQUIRING
        moved = ledger.move(request_id, next_state, allowed_from=[APPROVED],
                            movie_id=movie.movie_id, movie_created=movie.created)
        if moved is None:  # rejected while we imported
            if movie.created:
                discard_requested_draft(movie.movie_id, request_id)
            return "skipped: no longer approved"
        if movie.ready:
            steps.announce_settled(request_id, "ready")
        request = moved
    if request.state == ACQUIRING:
        steps.send(steps.ACQUIRE, request_id)  # again on a redelivery: acquiring is once
        return "catalog entry ready; acquiring"
    return f"catalog: nothing to do ({request.state})"


def movie_id_for(request_id: str) -> str:
    """The same id on every attempt, so a retried import finds the movie it made."""
    return uuid.uuid5(MOVIE_IDS, request_id).hex


def acquire(request_id: str, runner: TaskRunner | None = None, now: float = 0.0) -> str:
    """Land a small source here; hand a large one (LargeSource) to a task."""
    request = ledger.get_request(request_id)
    if request.state != ACQUIRING or not request.movie_id or not request.source:
        return f"acquire: nothing to do ({request.state})"
    if request.acquire_run:  # its reports and deadline checks drive the request now
        return f"acquire: the task {request.acquire_run} has it"
    try:
        _, landing = idempotency.run_once(f"acquire:{request_id}", partial(_land, request))
    except LargeSource:  # nothing was stored, and run_once let go of its key
        return acquire_tasks.start(request, runner, now or time.time())
    note = f"{landing.size} bytes acquired" if landing else None
    ledger.move(request_id, TRANSCODING, allowed_from=[ACQUIRING], note=note)
    return "acquired; transcoding"


def _land(request: RequestRecord) -> Landing:
    settings = get_settings()
    limits = settings.movie_requests
    source = source_for(request.source or "", limits)
    return source.land(s3(), settings.buckets.uploads,
                       source_key(str(request.movie_id), request.source or ""),
                       task_above=limits.task_above_bytes)


HANDLERS: dict[str, Callable[[str], str]] = {steps.TRIAGE: triage, steps.CATALOG: catalog}
