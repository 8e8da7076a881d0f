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
from chalicelib.transcode.inputs import MAX_PARTS, ResumeRequest
from chalicelib.transcode.presigned import URL_SECONDS, part_url
from chalicelib.transcode.shapes import HeldPart, PartUrl, ResumedUpload


@dataclass(frozen=True)
class PartPlan:
    """How a file of `size` bytes splits into parts of `part_size` (the last one shorter)."""

    size: int
    part_size: int

    @property
    def part_count(self) -> int:
        return math.ceil(self.size / self.part_size)

    def expected_size(self, part_number: int) -> int:
        if part_number < self.part_count:
            return self.part_size
        return self.size - self.part_size * (self.part_count - 1)


def _part_plan(movie_id: str, request: ResumeRequest, default_part_size: int) -> PartPlan:
    if not request.key.startswith(f"videos/{movie_id}/"):
        raise InvalidInput("key must be the key this movie's upload was given.", field="key")
    plan = PartPlan(request.size, request.part_size or default_part_size)
    if plan.part_count > MAX_PARTS:
        raise InvalidInput("size and part_size make more parts than S3 allows.",
                           field="part_size")
    return plan


def resume_upload(settings: Settings, movie_id: str, request: ResumeRequest) -> ResumedUpload:
    """The parts S3 holds whole (`done`, with their ETags for completing) and presigned
    URLs for every other part. A part of the wrong size is sent again: a client that
    changed its file must not complete a mix of two."""
    plan = _part_plan(movie_id, request, settings.transcoding.upload_part_bytes)
    bucket = settings.buckets.uploads
    held = {part["PartNumber"]: part for part in _listed_parts(bucket, request)}
    done = [HeldPart(part_number=n, etag=held[n]["ETag"], size=held[n]["Size"])
            for n in range(1, plan.part_count + 1)
            if n in held and held[n]["Size"] == plan.expected_size(n)]
    finished = {part.part_number for part in done}
    base = f"{settings.public_api_url}/api/admin/videos/{movie_id}/upload"
    return ResumedUpload(
        key=request.key, upload_id=request.upload_id, part_size=plan.part_size,
        done=done, expires_in=URL_SECONDS,
        parts=[PartUrl(part_number=n, url=part_url(bucket, request.key, request.upload_id, n))
               for n in range(1, plan.part_count + 1) if n not in finished],
        complete_url=f"{base}/complete/", abort_url=f"{base}/abort/")


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
