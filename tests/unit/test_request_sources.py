"""Acquiring a requested movie's source: what is refused, and how it is streamed."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from chalicelib.core.errors import InvalidInput
from chalicelib.core.settings import Settings
from chalicelib.movie_requests.landing import (
    MIN_PART_BYTES,
    SourceRejected,
    check_declared,
    looks_like_video,
    part_size_for,
    stream_into_bucket,
)
from chalicelib.movie_requests.sources import checked_reference

MP4 = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41"
LIMITS = replace(Settings.from_env({}).movie_requests, ingest_bucket="studio-drop")


class RecordingS3:
    """The four multipart calls, kept in memory."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.completed: list[dict[str, Any]] = []
        self.aborted = 0

    def create_multipart_upload(self, **_: Any) -> dict[str, str]:
        return {"UploadId": "u1"}

    def upload_part(self, *, Body: bytes, PartNumber: int, **_: Any) -> dict[str, str]:  # noqa: N803
        self.parts.append(Body)
        return {"ETag": f'"{PartNumber}"'}

    def complete_multipart_upload(self, *, MultipartUpload: dict[str, Any], **_: Any) -> None:  # noqa: N803
        self.completed.append(MultipartUpload)

    def abort_multipart_upload(self, **_: Any) -> None:
        self.aborted += 1


@pytest.mark.parametrize("head", [
    MP4,
    b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01",  # Matroska / WebM
    b"RIFF\x00\x00\x00\x00AVI LIST",
    b"OggS\x00\x02",
    bytes([0x47]) + bytes(187) + bytes([0x47]) + bytes(10),  # MPEG-TS packets
])
def test_container_signatures_are_videos(head: bytes) -> None:
    assert looks_like_video(head)


@pytest.mark.parametrize("head", [b"<!doctype html>", b"\x89PNG\r\n\x1a\n", b"PK\x03\x04", b""])
def test_other_files_are_not(head: bytes) -> None:
    assert not looks_like_video(head)


def test_declared_types_and_sizes_are_checked_before_any_byte_is_read() -> None:
    check_declared("video/mp4", 100, 1000, "it")
    check_declared("application/octet-stream; charset=binary", None, 1000, "it")
    with pytest.raises(SourceRejected, match="text/html, not a video"):
        check_declared("text/html; charset=utf-8", 100, 1000, "it")
    with pytest.raises(SourceRejected, match="2000 bytes, over the limit of 1000"):
        check_declared("video/mp4", 2000, 1000, "it")


def test_a_stream_is_cut_into_parts_of_the_part_size_and_completed() -> None:
    s3 = RecordingS3()
    chunks = [MP4 + b"a" * 70, b"b" * 100, b"c" * 30]

    landing = stream_into_bucket(iter(chunks), s3, "uploads", "videos/m/source.mp4",
                                 max_bytes=10_000, part_size=128, content_type="video/mp4",
                                 what="it")

    total = len(b"".join(chunks))
    assert [len(p) for p in s3.parts] == [128] * (total // 128) + [total % 128]
    assert b"".join(s3.parts) == b"".join(chunks)
    assert landing.size == total
    assert [p["PartNumber"] for p in s3.completed[0]["Parts"]] == [1, 2]
    assert s3.aborted == 0


@pytest.mark.parametrize(("chunks", "message"), [
    ([b"<html>" + b"x" * 300], "is not a video"),
    ([MP4 + b"x" * 200] * 10, "over the limit of 1000"),
    ([], "is empty"),
])
def test_a_refused_stream_is_aborted(chunks: list[bytes], message: str) -> None:
    s3 = RecordingS3()

    with pytest.raises(SourceRejected, match=message):
        stream_into_bucket(iter(chunks), s3, "uploads", "k", max_bytes=1000, part_size=256,
                           content_type="video/mp4", what="it")

    assert (s3.aborted, s3.completed) == (1, [])


def test_a_stream_that_breaks_midway_is_aborted() -> None:
    s3 = RecordingS3()

    def breaking() -> Any:
        yield MP4 + b"x" * 300
        raise ConnectionResetError("peer went away")

    with pytest.raises(ConnectionResetError):
        stream_into_bucket(breaking(), s3, "uploads", "k", max_bytes=10_000, part_size=128,
                           content_type="video/mp4", what="it")
    assert s3.aborted == 1


def test_parts_grow_so_that_a_huge_source_fits_in_ten_thousand() -> None:
    assert part_size_for(None) == MIN_PART_BYTES
    assert part_size_for(100 * 1024 ** 3) * 9_999 >= 100 * 1024 ** 3


@pytest.mark.parametrize("reference", [
    "https://studio.example/films/603.mp4", "http://127.0.0.1:9000/603.mp4",
    "s3://studio-drop/603.mkv",
])
def test_admins_may_name_urls_and_ingest_objects(reference: str) -> None:
    assert checked_reference(reference, LIMITS) == reference


@pytest.mark.parametrize("reference", [
    "file:///etc/passwd", "s3://someone-elses-bucket/603.mp4", "s3://studio-drop/",
    "ftp://studio.example/603.mp4", "https://",
])
def test_other_sources_are_a_400(reference: str) -> None:
    with pytest.raises(InvalidInput):
        checked_reference(reference, LIMITS)
