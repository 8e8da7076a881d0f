"""Stream a source into the uploads bucket as a multipart upload, checking as it goes.

Nothing is held in memory but the part being filled; the upload is aborted on any error,
so a failed acquisition leaves no object (and no dangling parts) behind.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from chalicelib.core.errors import InvalidInput

logger = logging.getLogger(__name__)

MIN_PART_BYTES = 8 * 1024 * 1024  # S3's minimum is 5 MiB for every part but the last
MAX_PARTS = 10_000
SNIFF_BYTES = 512

# Media types a source may declare: video, or the generic ones servers use for any file.
VIDEO_TYPES = ("video/",)
GENERIC_TYPES = ("application/octet-stream", "binary/octet-stream", "application/mp4",
                 "application/x-matroska", "application/mxf", "")


class SourceRejected(InvalidInput):
    """The source can never be used (missing, too large, not a video): do not retry."""

    code = "SourceRejected"


@dataclass(frozen=True)
class Landing:
    bucket: str
    key: str
    size: int


def check_declared(content_type: str, length: int | None, max_bytes: int, what: str) -> None:
    """Refuse early, from headers alone: a declared non-video type or an oversized body."""
    media_type = content_type.split(";", maxsplit=1)[0].strip().lower()
    if not media_type.startswith(VIDEO_TYPES) and media_type not in GENERIC_TYPES:
        raise SourceRejected(f"{what} is {media_type}, not a video.")
    if length is not None and length > max_bytes:
        raise SourceRejected(f"{what} is {length} bytes, over the limit of {max_bytes}.")


def looks_like_video(head: bytes) -> bool:
    """Container signatures ffmpeg reads: MP4/MOV, Matroska/WebM, AVI, MPEG-TS/PS, FLV,
    Ogg, ASF. The declared type alone is not trusted (servers say octet-stream for all)."""
    return (
        head[4:8] in (b"ftyp", b"moov", b"mdat", b"free", b"wide", b"skip")
        or head.startswith((b"\x1a\x45\xdf\xa3", b"FLV", b"OggS", b"\x00\x00\x01\xba",
                            b"\x30\x26\xb2\x75\x8e\x66\xcf\x11"))
        or (head.startswith(b"RIFF") and head[8:12] == b"AVI ")
        or (len(head) > 188 and head[0] == 0x47 and head[188] == 0x47)
    )


def check_sniffed(head: bytes, what: str) -> None:
    if not head:
        raise SourceRejected(f"{what} is empty.")
    if not looks_like_video(head):
        raise SourceRejected(f"{what} is not a video (its first bytes are no video "
                             "container ffmpeg reads).")


def first_bytes(chunks: Iterable[bytes], count: int = SNIFF_BYTES) -> bytes:
    head = b""
    for chunk in chunks:
        head += chunk
        if len(head) >= count:
            break
    return head[:count]


def part_size_for(length: int | None) -> int:
    if not length:
        return MIN_PART_BYTES
    return max(MIN_PART_BYTES, math.ceil(length / (MAX_PARTS - 1)))


def stream_into_bucket(chunks: Iterable[bytes], s3: Any, bucket: str, key: str, *,
                       max_bytes: int, part_size: int, content_type: str, what: str) -> Landing:
    """Upload `chunks` as `bucket/key`; the first bytes must look like a video."""
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key,
                                           ContentType=content_type)["UploadId"]
    try:
        parts, size = _upload_parts(chunks, s3, bucket, key, upload_id,
                                    max_bytes=max_bytes, part_size=part_size, what=what)
        s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id,
                                     MultipartUpload={"Parts": parts})
    except BaseException:
        s3.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id)
        raise
    logger.info("source landed", extra={"key": key, "bytes": size})
    return Landing(bucket, key, size)


def _upload_parts(chunks: Iterable[bytes], s3: Any, bucket: str, key: str, upload_id: str,
                  *, max_bytes: int, part_size: int, what: str
                  ) -> tuple[list[dict[str, Any]], int]:
    parts: list[dict[str, Any]] = []
    size = 0
    for body in _parts(chunks, part_size):
        if not parts:
            check_sniffed(body[:SNIFF_BYTES], what)
        size += len(body)
        if size > max_bytes:
            raise SourceRejected(f"{what} is over the limit of {max_bytes} bytes.")
        number = len(parts) + 1
        etag = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=number,
                              Body=body)["ETag"]
        parts.append({"PartNumber": number, "ETag": etag})
    if not parts:
        raise SourceRejected(f"{what} is empty.")
    return parts, size


def _parts(chunks: Iterable[bytes], part_size: int) -> Iterator[bytes]:
    buffer = bytearray()
    for chunk in chunks:
        buffer += chunk
        while len(buffer) >= part_size:
            yield bytes(buffer[:part_size])
            del buffer[:part_size]
    if buffer:
        yield bytes(buffer)
