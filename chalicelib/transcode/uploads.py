"""Read S3 upload notifications as they arrive on the transcode-jobs queue."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

from chalicelib.core.errors import InvalidInput


@dataclass(frozen=True)
class UploadedObject:
    bucket: str
    key: str
    etag: str
    size: int

    @property
    def idempotency_key(self) -> str:
        return f"upload:{self.bucket}/{self.key}@{self.etag}"

    @property
    def draft_movie_id(self) -> str:
        """The id of the draft an upload with no movie goes under: the same for every
        delivery and retry of this upload's event, so it makes one draft."""
        return hashlib.sha256(f"draft:{self.idempotency_key}".encode()).hexdigest()[:32]


def uploaded_objects(message_body: str) -> list[UploadedObject]:
    """The objects an S3 event notification announces.

    `s3:TestEvent` (sent when notifications are configured) announces none. Real S3
    URL-encodes keys in events (a space arrives as `+`); emulators may not, and
    `unquote_plus` reads both.
    """
    try:
        notification = json.loads(message_body)
    except ValueError:
        raise InvalidInput("The message is not an S3 event notification (not JSON).") from None
    if not isinstance(notification, dict):
        raise InvalidInput("The message is not an S3 event notification.")
    if notification.get("Event") == "s3:TestEvent":
        return []
    return [_uploaded(record) for record in notification.get("Records", [])
            if str(record.get("eventName", "")).startswith("ObjectCreated")]


def _uploaded(record: dict[str, Any]) -> UploadedObject:
    try:
        s3 = record["s3"]
        obj = s3["object"]
        return UploadedObject(
            bucket=s3["bucket"]["name"],
            key=unquote_plus(obj["key"]),
            etag=str(obj.get("eTag") or obj.get("etag") or "").strip('"'),
            size=int(obj.get("size", 0)),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise InvalidInput(f"Malformed S3 event record: missing {error}.") from None
