"""Resuming a presigned multipart upload: which parts S3 holds already, and fresh URLs for
the rest, so that a client that lost its page (a reload, a dropped connection, an expired
URL) sends only what is missing."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.core.clients import s3
from chalicelib.core.errors import Gone, InvalidInput
from chalicelib.core.settings import Settings
from chalicelib.transcode.presigned import MAX_PARTS, URL_SECONDS, part_url

MIN_PART_BYTES = 5 * 1024 * 1024
MAX_PART_BYTES = 5 * 1024 ** 3


@dataclass(frozen=True)
class ResumeRequest:
    key: str
    upload_id: str
    size: int
    part_size: int

    @classmethod
    def parse(cls, movie_id: str, body: dict[str, Any], default_part_size: int) -> ResumeRequest:
        key, upload_id = body.get("key"), body.get("upload_id")
        size, part_size = body.get("size"), body.get("part_size", default_part_size)
        if not isinstance(key, str) or not key.startswith(f"videos/{movie_id}/"):
            raise InvalidInput("key must be the key this movie's upload was given.", field="key")
        if not isinstance(upload_id, str) or not upload_id:
            raise InvalidInput("upload_id is required.", field="upload_id")
        if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
            raise InvalidInput("size must be the file's size in bytes.", field="size")
        if isinstance(part_size, bool) or not isinstance(part_size, int) \
                or not MIN_PART_BYTES <= part_size <= MAX_PART_BYTES:
            raise InvalidInput("part_size must be the part size the upload was given.",
                               field="part_size")
        if math.ceil(size / part_size) > MAX_PARTS:
            raise InvalidInput("size and part_size make more parts than S3 allows.",
                               field="part_size")
        return cls(key, upload_id, size, part_size)

    @property
    def part_count(self) -> int:
        return math.ceil(self.size / self.part_size)

    def expected_size(self, part_number: int) -> int:
        if part_number < self.part_count:
            return self.part_size
        return self.size - self.part_size * (self.part_count - 1)


def resume_upload(settings: Settings, movie_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """The parts S3 holds whole (`done`, with their ETags for completing) and presigned
    URLs for every other part. A part of the wrong size is sent again: a client that
    changed its file must not complete a mix of two."""
    request = ResumeRequest.parse(movie_id, body, settings.transcoding.upload_part_bytes)
    bucket = settings.buckets.uploads
    held = {part["PartNumber"]: part for part in _listed_parts(bucket, request)}
    done = [{"part_number": n, "etag": held[n]["ETag"], "size": held[n]["Size"]}
            for n in range(1, request.part_count + 1)
            if n in held and held[n]["Size"] == request.expected_size(n)]
    finished = {part["part_number"] for part in done}
    base = f"{settings.public_api_url}/api/admin/videos/{movie_id}/upload"
    return {
        "method": "MULTIPART", "key": request.key, "upload_id": request.upload_id,
        "part_size": request.part_size, "done": done, "expires_in": URL_SECONDS,
        "parts": [{"part_number": n, "url": part_url(bucket, request.key, request.upload_id, n)}
                  for n in range(1, request.part_count + 1) if n not in finished],
        "complete_url": f"{base}/complete/", "abort_url": f"{base}/abort/",
    }


def _listed_parts(bucket: str, request: ResumeRequest) -> list[dict[str, Any]]:
    try:
        pages = s3().get_paginator("list_parts").paginate(
            Bucket=bucket, Key=request.key, UploadId=request.upload_id)
        return [dict(part) for page in pages for part in page.get("Parts", [])]
    except ClientError as error:
        if error.response["Error"].get("Code") == "NoSuchUpload":
            raise Gone("The upload was completed, aborted or expired: start a new one.",
                       key=request.key) from None
        raise
