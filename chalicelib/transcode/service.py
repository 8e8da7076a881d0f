"""From upload events to transcode jobs."""

from __future__ import annotations

import logging
from functools import partial

from chalicelib.core import idempotency
from chalicelib.transcode.uploads import UploadedObject, uploaded_objects

logger = logging.getLogger(__name__)


def accept_uploads(message_body: str) -> list[UploadedObject]:
    """Accept each new upload a notification announces, once per bucket/key/etag.

    Returns the uploads accepted now; a duplicate delivery returns none of them.
    """
    accepted = []
    for upload in uploaded_objects(message_body):
        ran, _ = idempotency.run_once(upload.idempotency_key, partial(_accept, upload))
        if ran:
            accepted.append(upload)
    return accepted


def _accept(upload: UploadedObject) -> None:
    # Starting the transcoder task (TaskRunner) plugs in here.
    logger.info(
        "upload accepted",
        extra={"bucket": upload.bucket, "key": upload.key, "etag": upload.etag,
               "size": upload.size},
    )
