"""Presigned uploads: one PUT for small files, multipart parts for large ones.

The object lands under `videos/<movie_id>/` of the uploads bucket, so the S3 event
starts the transcode exactly as an upload with the AWS CLI does.
"""

from __future__ import annotations

import math
import re
import uuid
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.catalog.transcoding import movie_exists
from chalicelib.core.clients import s3
from chalicelib.core.errors import InvalidInput, NotFound
from chalicelib.core.settings import Settings

PART_SIZE = 64 * 1024 * 1024
MAX_PARTS = 10_000
URL_SECONDS = 3600
SAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]+")


@dataclass(frozen=True)
class UploadRequest:
    filename: str
    size: int
    content_type: str

    @classmethod
    def parse(cls, body: dict[str, Any]) -> UploadRequest:
        filename, size = body.get("filename"), body.get("size")
        content_type = body.get("content_type", "video/mp4")
        if not isinstance(filename, str) or not SAFE_NAME.sub("", filename).strip(" ."):
            raise InvalidInput("filename is required.", field="filename")
        if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
            raise InvalidInput("size must be the file's size in bytes.", field="size")
        if size > PART_SIZE * MAX_PARTS:
            raise InvalidInput("The file is larger than uploads allow.", field="size")
        if not isinstance(content_type, str) or not content_type.startswith("video/"):
            raise InvalidInput("content_type must be a video type (video/...).",
                               field="content_type")
        return cls(filename, size, content_type)

    def key(self, movie_id: str) -> str:
        clean = SAFE_NAME.sub("_", self.filename).strip(" .")[:120]
        return f"videos/{movie_id}/{uuid.uuid4().hex[:8]}-{clean}"


def presign_upload(settings: Settings, movie_id: str, request: UploadRequest) -> dict[str, Any]:
    if not movie_exists(movie_id):
        raise NotFound(f"No movie {movie_id!r}.")
    bucket, key = settings.buckets.uploads, request.key(movie_id)
    if request.size <= settings.transcoding.single_put_max_bytes:
        url = s3().generate_presigned_url(
            "put_object", ExpiresIn=URL_SECONDS,
            Params={"Bucket": bucket, "Key": key, "ContentType": request.content_type})
        return {"method": "PUT", "key": key, "url": url, "expires_in": URL_SECONDS,
                "headers": {"Content-Type": request.content_type}}
    part_size = settings.transcoding.upload_part_bytes
    if math.ceil(request.size / part_size) > MAX_PARTS:
        raise InvalidInput("The file is larger than uploads allow.", field="size")
    upload_id = s3().create_multipart_upload(Bucket=bucket, Key=key,
                                             ContentType=request.content_type)["UploadId"]
    parts = [{"part_number": n, "url": part_url(bucket, key, upload_id, n)}
             for n in range(1, math.ceil(request.size / part_size) + 1)]
    base = f"{settings.public_api_url}/api/admin/videos/{movie_id}/upload"
    return {"method": "MULTIPART", "key": key, "upload_id": upload_id, "part_size": part_size,
            "parts": parts, "expires_in": URL_SECONDS, "complete_url": f"{base}/complete/",
            "abort_url": f"{base}/abort/"}


def part_url(bucket: str, key: str, upload_id: str, part_number: int) -> str:
    return str(s3().generate_presigned_url(
        "upload_part", ExpiresIn=URL_SECONDS,
        Params={"Bucket": bucket, "Key": key, "UploadId": upload_id, "PartNumber": part_number}))


def _upload_of(body: dict[str, Any], movie_id: str) -> tuple[str, str]:
    key, upload_id = body.get("key"), body.get("upload_id")
    if not isinstance(key, str) or not key.startswith(f"videos/{movie_id}/"):
        raise InvalidInput("key must be the key this movie's upload was given.", field="key")
    if not isinstance(upload_id, str) or not upload_id:
        raise InvalidInput("upload_id is required.", field="upload_id")
    return key, upload_id


def complete_upload(settings: Settings, movie_id: str, body: dict[str, Any]) -> dict[str, Any]:
    key, upload_id = _upload_of(body, movie_id)
    parts = body.get("parts")
    if not isinstance(parts, list) or not parts or not all(
        isinstance(p, dict) and isinstance(p.get("part_number"), int)
        and isinstance(p.get("etag"), str) for p in parts
    ):
        raise InvalidInput("parts must list {part_number, etag} of every part.", field="parts")
    try:
        s3().complete_multipart_upload(
            Bucket=settings.buckets.uploads, Key=key, UploadId=upload_id,
            MultipartUpload={"Parts": [{"PartNumber": p["part_number"], "ETag": p["etag"]}
                                       for p in sorted(parts, key=lambda p: p["part_number"])]})
    except ClientError as error:
        raise InvalidInput(f"S3 refused to complete the upload: "
                           f"{error.response['Error'].get('Message', 'unknown error')}") from None
    return {"key": key, "detail": "Upload complete: transcoding starts shortly."}


def abort_upload(settings: Settings, movie_id: str, body: dict[str, Any]) -> None:
    key, upload_id = _upload_of(body, movie_id)
    try:
        s3().abort_multipart_upload(Bucket=settings.buckets.uploads, Key=key,
                                    UploadId=upload_id)
    except ClientError as error:
        if error.response["Error"].get("Code") != "NoSuchUpload":
            raise
