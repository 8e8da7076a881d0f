"""From upload events to transcode jobs. (Transcoder events: `job_events.py`.)"""

from __future__ import annotations

import logging
import secrets
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from chalicelib.catalog import transcoding as catalog
from chalicelib.core import idempotency
from chalicelib.core.clients import s3
from chalicelib.core.clock import now_iso
from chalicelib.core.errors import Gone
from chalicelib.core.settings import get_settings
from chalicelib.transcode import deadlines, moves, subtitle_jobs
from chalicelib.transcode.job_events import handle_transcoder_event
from chalicelib.transcode.jobs import TranscodeJob
from chalicelib.transcode.models import RUNNING, TranscodeJobModel
from chalicelib.transcode.runners import TaskRunner, task_runner
from chalicelib.transcode.uploads import UploadedObject, uploaded_objects

if TYPE_CHECKING:
    from boto3.s3.transfer import TransferConfig

__all__ = ["accept_uploads", "handle_transcoder_event", "rerun_transcode", "start_transcode"]

logger = logging.getLogger(__name__)

UPLOAD_ROOT = "videos/"
KEEP_JOBS_SECONDS = 30 * 86400
Clock = Callable[[], float]


def new_version() -> str:
    return datetime.now(UTC).strftime("v%Y%m%dT%H%M%S") + secrets.token_hex(2)


def accept_uploads(message_body: str, runner: TaskRunner | None = None, *,
                   clock: Clock = time.time,
                   move: TransferConfig | None = None) -> list[UploadedObject]:
    """Start a transcode for each new upload the notification announces; a duplicate
    delivery (same bucket, key and etag) starts nothing. Returns the uploads taken now."""
    accepted = []
    for upload in uploaded_objects(message_body):
        ran, _ = idempotency.run_once(upload.idempotency_key,
                                      partial(_accept, upload, runner, clock, move))
        if ran:
            accepted.append(upload)
    return accepted


def _accept(upload: UploadedObject, runner: TaskRunner | None, clock: Clock,
            move: TransferConfig | None) -> None:
    parts = upload.key.removeprefix(UPLOAD_ROOT).split("/")
    if not upload.key.startswith(UPLOAD_ROOT) or not parts[-1]:
        logger.info("not a video upload, ignored", extra={"key": upload.key})
        return
    if subtitle_jobs.subtitle_upload(upload.key):  # a track for a movie: no transcode
        subtitle_jobs.accept_subtitle_upload(upload, runner)
        return
    if len(parts) >= 2 and catalog.movie_exists(parts[0]):
        start_transcode(parts[0], upload, runner, clock=clock)
        return
    _move_under_draft(upload, parts[-1], move)


def _move_under_draft(upload: UploadedObject, filename: str,
                      config: TransferConfig | None) -> None:
    """No known movie: a draft, and the file moves under it; that copy's event starts the
    job. Each step may run again (a retry after a timeout) and still make one draft."""
    movie_id = catalog.draft_for_upload(filename, upload.draft_movie_id)
    target = f"{UPLOAD_ROOT}{movie_id}/{filename}"
    try:
        moves.copy_within(upload.bucket, upload.key, target, config)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") not in ("404", "NoSuchKey"):
            raise
        # Gone: an earlier try moved it and stopped before it could say so.
        logger.info("the upload was moved already", extra={"key": upload.key})
        return
    s3().delete_object(Bucket=upload.bucket, Key=upload.key)
    logger.info("draft created for an upload", extra={"movie_id": movie_id, "key": target})


def start_transcode(movie_id: str, upload: UploadedObject, runner: TaskRunner | None = None,
                    *, clock: Clock = time.time) -> TranscodeJob:
    settings = get_settings()
    now, stamp = clock(), now_iso()
    record = TranscodeJobModel(
        uuid.uuid4().hex, movie_id=movie_id, version=new_version(), source_bucket=upload.bucket,
        source_key=upload.key, etag=upload.etag, source_bytes=upload.size, attempt=1,
        state=RUNNING, created_at=stamp, updated_at=stamp,
        expires_at=int(now) + KEEP_JOBS_SECONDS,
        deadline_at=deadlines.deadline_from(
            now, deadlines.silence_allowed(settings.transcoding, upload.size)),
    )
    job = record.job()
    record.check_due = deadlines.schedule_check(job.run_id, int(record.deadline_at), now)
    record.save()
    catalog.begin_version(movie_id, record.version, upload.key)
    record.update(actions=[TranscodeJobModel.task_id.set(
        (runner or task_runner(settings)).start(job))])
    return job


def rerun_transcode(movie_id: str, source_key: str, runner: TaskRunner | None = None,
                    *, clock: Clock = time.time) -> TranscodeJob:
    """Transcode a failed movie's source again, as a new job (the admin console's re-run).
    The source must still be in the uploads bucket."""
    bucket = get_settings().buckets.uploads
    try:
        head = s3().head_object(Bucket=bucket, Key=source_key)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") not in ("404", "NoSuchKey"):
            raise
        raise Gone("The movie's source upload is gone: upload the video again.") from None
    upload = UploadedObject(bucket, source_key, str(head["ETag"]).strip('"'),
                            int(head["ContentLength"]))
    return start_transcode(movie_id, upload, runner, clock=clock)
