"""From upload events to transcode jobs, and from transcoder events to the catalog."""

from __future__ import annotations

import json
import logging
import secrets
import time
import uuid
from datetime import UTC, datetime
from functools import partial
from typing import Any

from pynamodb.exceptions import DoesNotExist, UpdateError

from chalicelib.catalog import transcoding as catalog
from chalicelib.catalog.media import delete_prefix, version_prefix
from chalicelib.core import idempotency
from chalicelib.core.clients import s3
from chalicelib.core.clock import now_iso
from chalicelib.core.dynamo import is_condition_failure
from chalicelib.core.errors import InvalidInput, NotFound
from chalicelib.core.settings import get_settings
from chalicelib.movie_requests.steps import announce_settled
from chalicelib.transcode.jobs import TranscodeJob, split_run_id
from chalicelib.transcode.models import FAILED, READY, RUNNING, TranscodeJobModel
from chalicelib.transcode.runners import TaskRunner, task_runner
from chalicelib.transcode.task_events import is_task_state_change, unreported_stop
from chalicelib.transcode.uploads import UploadedObject, uploaded_objects

logger = logging.getLogger(__name__)

UPLOAD_ROOT = "videos/"
KEEP_JOBS_SECONDS = 30 * 86400


def new_version() -> str:
    return datetime.now(UTC).strftime("v%Y%m%dT%H%M%S") + secrets.token_hex(2)


def accept_uploads(message_body: str, runner: TaskRunner | None = None) -> list[UploadedObject]:
    """Start a transcode for each new upload the notification announces; a duplicate
    delivery (same bucket, key and etag) starts nothing. Returns the uploads taken now."""
    accepted = []
    for upload in uploaded_objects(message_body):
        ran, _ = idempotency.run_once(upload.idempotency_key,
                                      partial(_accept, upload, runner))
        if ran:
            accepted.append(upload)
    return accepted


def _accept(upload: UploadedObject, runner: TaskRunner | None) -> None:
    parts = upload.key.removeprefix(UPLOAD_ROOT).split("/")
    if not upload.key.startswith(UPLOAD_ROOT) or not parts[-1]:
        logger.info("not a video upload, ignored", extra={"key": upload.key})
        return
    if len(parts) >= 2 and catalog.movie_exists(parts[0]):
        start_transcode(parts[0], upload, runner)
        return
    # No known movie: a draft, and the file moves under it; that copy's event starts the job.
    movie_id = catalog.draft_for_upload(parts[-1])
    target = f"{UPLOAD_ROOT}{movie_id}/{parts[-1]}"
    s3().copy_object(Bucket=upload.bucket, Key=target,
                     CopySource={"Bucket": upload.bucket, "Key": upload.key})
    s3().delete_object(Bucket=upload.bucket, Key=upload.key)
    logger.info("draft created for an upload", extra={"movie_id": movie_id, "key": target})


def start_transcode(movie_id: str, upload: UploadedObject,
                    runner: TaskRunner | None = None) -> TranscodeJob:
    settings = get_settings()
    stamp = now_iso()
    record = TranscodeJobModel(
        uuid.uuid4().hex, movie_id=movie_id, version=new_version(), source_bucket=upload.bucket,
        source_key=upload.key, etag=upload.etag, attempt=1, state=RUNNING, created_at=stamp,
        updated_at=stamp, expires_at=int(time.time()) + KEEP_JOBS_SECONDS,
    )
    record.save()
    catalog.begin_version(movie_id, record.version, upload.key)
    job = _job(record)
    record.update(actions=[TranscodeJobModel.task_id.set(
        (runner or task_runner(settings)).start(job))])
    return job


def _job(record: TranscodeJobModel) -> TranscodeJob:
    return TranscodeJob(record.job_id, int(record.attempt), record.movie_id, record.version,
                        record.source_bucket, record.source_key)


def handle_transcoder_event(message_body: str, runner: TaskRunner | None = None) -> str:
    """Apply one transcoder event, or an ECS task-state change that stands for one;
    returns what was done (for logs and tests)."""
    event = _parse_event(message_body)
    if is_task_state_change(event):
        stopped = unreported_stop(event, get_settings().transcoding.ecs_container)
        if stopped is None:
            return "ignored: nothing to report for this task"
        event = stopped
    job_id, attempt = split_run_id(str(event["job_id"]))
    try:
        record = TranscodeJobModel.get(job_id, consistent_read=True)
    except DoesNotExist:
        return "ignored: unknown job"
    if record.state != RUNNING or int(record.attempt) != attempt:
        if int(record.attempt) == attempt and record.state in (READY, FAILED) \
                and event["type"] != "progress":
            _announce(record)  # the first delivery may have died before it did
        return "ignored: stale event"
    kind = event["type"]
    if kind == "progress":
        catalog.record_progress(record.movie_id, record.version, float(event.get("percent", 0)))
        return "progress"
    if kind == "ready":
        return _ready(record, attempt, event)
    return _failed(record, attempt, event, runner)


def _parse_event(body: str) -> dict[str, Any]:
    try:
        event = json.loads(body)
    except ValueError:
        raise InvalidInput("A transcoder event must be JSON.") from None
    if isinstance(event, dict) and is_task_state_change(event):
        return event
    if not isinstance(event, dict) or event.get("type") not in ("progress", "ready", "failed") \
            or not isinstance(event.get("job_id"), str):
        raise InvalidInput("Not a transcoder event.")
    return event


def _settle(record: TranscodeJobModel, attempt: int, actions: list[Any]) -> bool:
    """Move the job out of `running` for this attempt, once, even if events repeat."""
    try:
        record.update(actions=[*actions, TranscodeJobModel.updated_at.set(now_iso())],
                      condition=(TranscodeJobModel.state == RUNNING)
                      & (TranscodeJobModel.attempt == attempt))
    except UpdateError as error:
        if is_condition_failure(error):
            return False
        raise
    return True


def _ready(record: TranscodeJobModel, attempt: int, event: dict[str, Any]) -> str:
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
    if published.request_id:
        announce_settled(published.request_id, "ready")
    return "ready"


def _failed(record: TranscodeJobModel, attempt: int, event: dict[str, Any],
            runner: TaskRunner | None) -> str:
    reason = str(event.get("reason") or "the transcode failed")
    settings = get_settings()
    retry = bool(event.get("retryable")) and attempt < settings.transcoding.max_attempts
    partial_output = version_prefix(record.movie_id, record.version)
    if retry:
        if not _settle(record, attempt, [TranscodeJobModel.attempt.set(attempt + 1),
                                         TranscodeJobModel.state.set(RUNNING),
                                         TranscodeJobModel.reason.set(reason)]):
            return "ignored: already settled"
        # Only the winner of the settle cleans up, before the next attempt writes there.
        delete_prefix(settings.buckets.media, partial_output)
        record.refresh(consistent_read=True)
        (runner or task_runner(settings)).start(_job(record))
        return f"retrying (attempt {attempt + 1})"
    if not _settle(record, attempt, [TranscodeJobModel.state.set(FAILED),
                                     TranscodeJobModel.reason.set(reason)]):
        return "ignored: already settled"
    delete_prefix(settings.buckets.media, partial_output)
    request_id = catalog.fail_version(record.movie_id, record.version, reason)
    if request_id:
        announce_settled(request_id, "failed", reason)
    return "failed"


def _announce(record: TranscodeJobModel) -> None:
    """Tell a waiting movie request how its transcode ended (telling twice is harmless)."""
    request_id = catalog.request_of(record.movie_id)
    if request_id:
        outcome = "ready" if record.state == READY else "failed"
        announce_settled(request_id, outcome, str(record.reason or ""))
