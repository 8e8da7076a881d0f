"""Acquiring a requested movie's source: what is refused, and how it is streamed."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import boto3
import pytest
from boto3.s3.transfer import TransferConfig
from moto import mock_aws

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
from chalicelib.movie_requests.sources import (
    HttpSource,
    IngestObject,
    LargeSource,
    checked_reference,
)
from chalicelib.movie_requests.steps import Step
from chalicelib.transcode.moves import default_config

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "containers" / "transcoder"))

from transcoder.acquire import (
    PROGRESS,
    Acquisition,
    MeteredStream,
    SourceRefused,
    acquire,
)
from transcoder.cli import build_parser

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


class FakeResponse:
    def __init__(self, body: bytes, headers: dict[str, str], status_code: int = 200) -> None:
        self.body, self.headers, self.status_code = body, headers, status_code
        self.read = 0

    def __enter__(self) -> FakeResponse:
        return self

    def __exit__(self, *_: object) -> None:
        pass

    def iter_content(self, size: int) -> Iterator[bytes]:
        for start in range(0, len(self.body), size):
            self.read += size
            yield self.body[start:start + size]


class FakeSession:
    def __init__(self, response: FakeResponse) -> None:
        self.response = response

    def get(self, url: str, **_: Any) -> FakeResponse:
        return self.response


def land_over_http(body: bytes, headers: dict[str, str], task_above: int | None
                   ) -> tuple[RecordingS3, FakeResponse]:
    response, s3 = FakeResponse(body, headers), RecordingS3()
    source = HttpSource("https://studio.example/603.mp4", LIMITS, FakeSession(response))  # type: ignore[arg-type]
    source.land(s3, "uploads", "videos/m/source.mp4", task_above=task_above)
    return s3, response


@pytest.mark.parametrize("headers", [
    {"Content-Length": "5000", "Content-Type": "video/mp4"},
    {"Content-Type": "video/mp4"},  # chunked: of unknown length
], ids=["over the threshold", "unknown length"])
def test_a_large_source_is_left_to_a_task_after_its_first_bytes_are_sniffed(
    headers: dict[str, str],
) -> None:
    with pytest.raises(LargeSource) as handed:
        land_over_http(MP4 + b"\0" * 4000, headers, task_above=1000)

    assert handed.value.declared == (5000 if "Content-Length" in headers else None)
    assert handed.value.content_type == "video/mp4"


def test_a_small_source_is_streamed_here_and_a_large_web_page_is_refused_here() -> None:
    s3, _ = land_over_http(MP4 + b"\0" * 100, {"Content-Length": str(len(MP4) + 100)},
                           task_above=1000)
    assert b"".join(s3.parts) == MP4 + b"\0" * 100

    with pytest.raises(SourceRejected, match="is not a video"):
        land_over_http(b"<html>" + b"x" * 5000, {}, task_above=1000)


@pytest.fixture
def s3_in_memory(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        for bucket in ("studio-drop", "uploads"):
            client.create_bucket(Bucket=bucket)
        yield client


def count_calls(s3: Any, *operations: str) -> dict[str, int]:
    calls = dict.fromkeys(operations, 0)

    def seen(event_name: str, **_: Any) -> None:
        calls[event_name.rsplit(".", 1)[-1]] += 1

    for operation in operations:
        s3.meta.events.register(f"before-call.s3.{operation}", seen)
    return calls


def test_an_ingest_copy_goes_in_parts_above_the_part_size_never_one_copy_object(
    s3_in_memory: Any,
) -> None:
    """A 5 GB source in miniature: parts of 5 MiB (S3's least) stand for 256 MiB ones."""
    body = MP4 + bytes(11 * 1024 * 1024)
    s3_in_memory.put_object(Bucket="studio-drop", Key="603.mp4", Body=body)
    calls = count_calls(s3_in_memory, "CopyObject", "UploadPartCopy")
    part = 5 * 1024 * 1024
    source = IngestObject("s3://studio-drop/603.mp4", LIMITS,
                          TransferConfig(multipart_threshold=part, multipart_chunksize=part))

    landing = source.land(s3_in_memory, "uploads", "videos/m/source.mp4")

    assert calls == {"CopyObject": 0, "UploadPartCopy": 3}
    assert landing.size == len(body)
    assert s3_in_memory.get_object(Bucket="uploads", Key="videos/m/source.mp4")[
        "Body"].read() == body
    assert default_config().multipart_threshold < 5 * 1024 ** 3  # CopyObject's limit


class Reports:
    def __init__(self) -> None:
        self.sent: list[Mapping[str, Any]] = []

    def send(self, event: Mapping[str, Any]) -> None:
        self.sent.append(event)


def acquisition(url: str, *, max_bytes: int = 100 * 1024 * 1024,
                heartbeat: float = 60.0) -> Acquisition:
    return Acquisition(url=url, bucket="uploads", key="videos/m/source.mp4",
                       content_type="video/mp4", max_bytes=max_bytes,
                       part_bytes=5 * 1024 * 1024, read_timeout=5.0, request_id="r1",
                       run_id="acquire-r1.1", heartbeat_seconds=heartbeat)


def test_the_acquire_task_streams_the_url_as_a_managed_multipart_upload(
    s3_in_memory: Any, tmp_path: Path,
) -> None:
    body = MP4 + bytes(range(256)) * (44 * 1024)  # 11 MiB: three parts of 5 MiB
    (tmp_path / "603.mp4").write_bytes(body)
    calls = count_calls(s3_in_memory, "PutObject", "UploadPart", "CompleteMultipartUpload")

    size = acquire(acquisition((tmp_path / "603.mp4").as_uri()), s3_in_memory, Reports())

    assert size == len(body)
    assert calls == {"PutObject": 0, "UploadPart": 3, "CompleteMultipartUpload": 1}
    stored = s3_in_memory.get_object(Bucket="uploads", Key="videos/m/source.mp4")
    assert stored["Body"].read() == body
    assert stored["ContentType"] == "video/mp4"


def test_the_acquire_task_refuses_an_oversized_source_and_leaves_no_parts(
    s3_in_memory: Any, tmp_path: Path,
) -> None:
    (tmp_path / "603.mp4").write_bytes(MP4 + bytes(12 * 1024 * 1024))

    with pytest.raises(SourceRefused, match="over the limit of 10485760"):
        acquire(acquisition((tmp_path / "603.mp4").as_uri(), max_bytes=10 * 1024 * 1024),
                s3_in_memory, Reports())

    assert s3_in_memory.list_objects_v2(Bucket="uploads").get("KeyCount") == 0
    assert s3_in_memory.list_multipart_uploads(Bucket="uploads").get("Uploads", []) == []


def test_the_acquire_task_reports_progress_every_heartbeat() -> None:
    ticks = iter([0.0, 1.0, 9.0, 10.0, 12.0, 25.0, 26.0])  # made, then each read
    reports = Reports()
    stream = MeteredStream(io.BytesIO(b"x" * 50), acquisition("file:///x", heartbeat=10.0),
                           reports, clock=lambda: next(ticks))

    while stream.read(10):
        pass

    assert [(r["step"], r["bytes"]) for r in reports.sent] == [(PROGRESS, 30), (PROGRESS, 50)]
    assert {(r["request_id"], r["run_id"]) for r in reports.sent} == {("r1", "acquire-r1.1")}


def test_the_acquire_command_takes_what_the_request_loop_gives_it() -> None:
    args = build_parser().parse_args([
        "acquire", "--url", "https://studio.example/603.mp4", "--bucket", "uploads",
        "--key", "videos/m/source.mp4", "--max-bytes", "1000", "--events-queue-url", "q",
        "--request-id", "r1", "--job-id", "acquire-r1.2", "--read-rate", "1"])

    assert (args.max_bytes, args.job_id, args.heartbeat) == (1000, "acquire-r1.2", 60.0)


def test_task_reports_are_parsed_into_typed_steps_and_bad_ones_refused() -> None:
    body = ('{"step": "acquired", "request_id": "r1", "run_id": "acquire-r1.1", '
            '"bytes": 12}')
    assert Step.from_message(body) == Step("acquired", "r1", run_id="acquire-r1.1", bytes=12)
    assert Step.from_message(Step.from_message(body).body()) == Step.from_message(body)
    for bad in ('{"step": "acquired", "request_id": "r1"}',
                '{"step": "acquired", "request_id": "r1", "run_id": "a.1", "bytes": "12"}',
                '{"step": "acquire_failed", "request_id": "r1", "run_id": "a.1", '
                '"retryable": 1}'):
        with pytest.raises(InvalidInput):
            Step.from_message(bad)
