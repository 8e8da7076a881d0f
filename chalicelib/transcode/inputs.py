"""What the upload routes read: the file to upload, and an upload to resume, complete or
abort. Each is a `contract.Model`, decoded at the edge; the services take these."""

from __future__ import annotations

import re
import uuid
from typing import Annotated

from msgspec import Meta

from chalicelib.core.contract import Model
from chalicelib.core.validation import Check

PART_SIZE = 64 * 1024 * 1024
MAX_PARTS = 10_000
MIN_PART_BYTES = 5 * 1024 * 1024
MAX_PART_BYTES = 5 * 1024 ** 3
SAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]+")


def _filename(value: str) -> str:
    if not SAFE_NAME.sub("", value).strip(" ."):
        raise ValueError("is required (a file name with letters or digits)")
    return value


class UploadRequest(Model, frozen=True):
    """A file to upload: one presigned PUT for a small one, multipart parts otherwise."""

    filename: Annotated[str, Check(_filename)]
    size: Annotated[int, Meta(gt=0, le=PART_SIZE * MAX_PARTS)]  # bytes
    content_type: Annotated[str, Meta(pattern="^video/")] = "video/mp4"

    example = {"filename": "the-general.mp4", "size": 734003200, "content_type": "video/mp4"}

    def key(self, movie_id: str) -> str:
        clean = SAFE_NAME.sub("_", self.filename).strip(" .")[:120]
        return f"videos/{movie_id}/{uuid.uuid4().hex[:8]}-{clean}"


UploadKey = Annotated[str, Meta(pattern="^videos/")]
UploadId = Annotated[str, Meta(min_length=1)]


class UploadRef(Model, frozen=True):
    """A multipart upload as the client holds it (the answer to starting it). `size` and
    `part_size` are what resuming reads; aborting needs only the key and the id."""

    key: UploadKey
    upload_id: UploadId
    size: Annotated[int, Meta(gt=0)] | None = None
    part_size: Annotated[int, Meta(ge=MIN_PART_BYTES, le=MAX_PART_BYTES)] | None = None

    example = {"key": "videos/4f1c/0a1b2c3d-the-general.mp4", "upload_id": "2~abc"}


class ResumeRequest(UploadRef, frozen=True):
    size: Annotated[int, Meta(gt=0)]  # bytes

    example = {"key": "videos/4f1c/0a1b2c3d-the-general.mp4", "upload_id": "2~abc",
               "size": 734003200, "part_size": 67108864}


class UploadedPart(Model, frozen=True):
    part_number: Annotated[int, Meta(ge=1, le=MAX_PARTS)]
    etag: str


class CompletedUpload(Model, frozen=True):
    key: UploadKey
    upload_id: UploadId
    parts: Annotated[list[UploadedPart], Meta(min_length=1)]  # every part, with its ETag

    example = {"key": "videos/4f1c/0a1b2c3d-the-general.mp4", "upload_id": "2~abc",
               "parts": [{"part_number": 1, "etag": "\"9b2cf535f27731c974343645a3985328\""}]}
