"""The S3 job around the transcode, with an in-memory object store, event sink and
transcoder standing in for S3, SQS and ffmpeg."""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "containers" / "transcoder"))

from transcoder.errors import (
    EventNotSent,
    NotAVideo,
    SourceMissing,
    TranscodeFailed,
    TranscodeTimedOut,
)
from transcoder.events import JobIdentity
from transcoder.job import JobRequest, run_job
from transcoder.progress import ProgressCallback
from transcoder.results import EncodePlan, Rendition, TranscodeResult
from transcoder.source import SourceInfo, SourceInput

JOB = JobIdentity(job_id="job-7.1", movie_id="m-42", version="v1")
PREFIX = "videos/m-42/v1/"
AT = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
SOURCE = SourceInfo(container="mov,mp4,m4a,3gp,3g2,mj2", duration_seconds=6.0, width=1280,
                    height=720, frame_rate=24.0, video_codec="h264", has_audio=True,
                    audio_codec="aac", size_bytes=11)
# What a transcode of SOURCE leaves in its output folder (contents are beside the point).
OUTPUT_FILES = [
    "480p/index.m3u8", "480p/init_0.mp4", "480p/segment_00000.m4s",
    "720p/index.m3u8", "720p/init_1.mp4", "720p/segment_00000.m4s",
    "audio/index.m3u8", "audio/init_2.mp4", "audio/segment_00000.m4s",
    "thumbnail.jpg", "sprite.jpg", "thumbnails.vtt", "master.m3u8",
]
RESULT = TranscodeResult(
    source=SOURCE, duration=6.0,
    renditions=(
        Rendition("480p", 854, 480, 900_000, 850_000, "avc1.64001e,mp4a.40.2",
                  "480p/index.m3u8", 700_000, 1),
        Rendition("720p", 1280, 720, 2_000_000, 1_900_000, "avc1.64001f,mp4a.40.2",
                  "720p/index.m3u8", 1_500_000, 1),
    ),
    audio=True, audio_playlist="audio/index.m3u8", master_playlist="master.m3u8",
    thumbnail="thumbnail.jpg", sprite="sprite.jpg", vtt="thumbnails.vtt",
    total_bytes=2_400_000,
)


@dataclass
class Stored:
    body: bytes
    content_type: str
    cache_control: str


@dataclass
class FakeStore:
    objects: dict[tuple[str, str], bytes] = field(default_factory=dict)
    uploaded: dict[str, Stored] = field(default_factory=dict)
    upload_order: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    fail_upload: Callable[[str], bool] = lambda key: False

    def size(self, bucket: str, key: str) -> int:
        if (bucket, key) not in self.objects:
            raise SourceMissing(f"no such object: s3://{bucket}/{key}")
        return len(self.objects[bucket, key])

    def presigned_get(self, bucket: str, key: str, expires_seconds: int) -> str:
        return f"https://s3.test/{bucket}/{key}?expires={expires_seconds}"

    def upload(self, path: Path, bucket: str, key: str, *, content_type: str,
               cache_control: str) -> None:
        assert bucket == "media"
        self.upload_order.append(key)
        if self.fail_upload(key):
            raise ConnectionError(f"connection reset while sending {key}")
        self.uploaded[key] = Stored(path.read_bytes(), content_type, cache_control)

    def delete(self, bucket: str, keys: Sequence[str]) -> None:
        self.deleted += keys
        for key in keys:
            self.uploaded.pop(key, None)


@dataclass
class FakeEvents:
    sent: list[dict[str, Any]] = field(default_factory=list)
    refuse: Callable[[Mapping[str, Any]], bool] = lambda event: False

    def send(self, event: Mapping[str, Any]) -> None:
        if self.refuse(event):
            raise ConnectionError("queue unreachable")
        self.sent.append(dict(event))


@dataclass
class FakeTranscoder:
    """Writes the files a real transcode would, reports progress, or fails as told."""

    failure: Exception | None = None
    seen_source: SourceInput | None = None
    seen_timeout: float | None = None
    seen_read_rate: float | None = None

    def __call__(self, source: SourceInput, output_dir: Path, *, on_progress: ProgressCallback,
                 timeout_seconds: float, on_encode: Callable[[EncodePlan], None],
                 read_rate: float | None) -> TranscodeResult:
        self.seen_source, self.seen_timeout = source, timeout_seconds
        self.seen_read_rate = read_rate
        on_progress(0.0)
        on_progress(55.5)
        if self.failure is not None:
            raise self.failure
        for name in OUTPUT_FILES:
            (output_dir / name).parent.mkdir(parents=True, exist_ok=True)
            (output_dir / name).write_text(name)
        return RESULT


@pytest.fixture
def work_dir(tmp_path: Path) -> Path:
    (tmp_path / "work").mkdir()
    return tmp_path / "work"


def request(work_dir: Path, source_key: str = "videos/m-42/trailer.mov") -> JobRequest:
    return JobRequest(job=JOB, source_bucket="uploads", source_key=source_key,
                      media_bucket="media", timeout_seconds=900.0, work_dir=work_dir)


def store_with_source() -> FakeStore:
    return FakeStore(objects={("uploads", "videos/m-42/trailer.mov"): b"movie bytes"})


def run(work_dir: Path, store: FakeStore, events: FakeEvents,
        transcoder: FakeTranscoder | None = None) -> dict[str, Any]:
    return run_job(request(work_dir), store=store, events=events,
                   transcoder=transcoder or FakeTranscoder(), clock=lambda: AT)


def test_a_job_that_works_publishes_everything_and_says_ready(work_dir: Path) -> None:
    store, events, transcoder = store_with_source(), FakeEvents(), FakeTranscoder()

    final = run(work_dir, store, events, transcoder)

    assert transcoder.seen_source == SourceInput(
        "https://s3.test/uploads/videos/m-42/trailer.mov?expires=1500", 11,
        "videos/m-42/trailer.mov")
    assert (transcoder.seen_timeout, transcoder.seen_read_rate) == (900.0, None)
    assert sorted(store.uploaded) == sorted(PREFIX + name for name in OUTPUT_FILES)
    assert store.upload_order[-1] == PREFIX + "master.m3u8"
    assert events.sent[:2] == [
        {"type": "progress", "job_id": "job-7.1", "movie_id": "m-42", "version": "v1",
         "percent": 0.0, "at": "2026-01-02T03:04:05.678+00:00"},
        {"type": "progress", "job_id": "job-7.1", "movie_id": "m-42", "version": "v1",
         "percent": 55.5, "at": "2026-01-02T03:04:05.678+00:00"},
    ]
    assert events.sent[2:] == [final]
    assert final == {
        "type": "ready", "job_id": "job-7.1", "movie_id": "m-42", "version": "v1",
        "duration": 6.0, "master_playlist_key": PREFIX + "master.m3u8",
        "renditions": [
            {"name": "480p", "width": 854, "height": 480, "bandwidth": 900_000,
             "average_bandwidth": 850_000, "codecs": "avc1.64001e,mp4a.40.2",
             "playlist_key": PREFIX + "480p/index.m3u8", "bytes": 700_000, "segments": 1},
            {"name": "720p", "width": 1280, "height": 720, "bandwidth": 2_000_000,
             "average_bandwidth": 1_900_000, "codecs": "avc1.64001f,mp4a.40.2",
             "playlist_key": PREFIX + "720p/index.m3u8", "bytes": 1_500_000, "segments": 1},
        ],
        "audio": True, "thumbnail_key": PREFIX + "thumbnail.jpg",
        "sprite_key": PREFIX + "sprite.jpg", "vtt_key": PREFIX + "thumbnails.vtt",
        "total_bytes": 2_400_000,
        "source": {"container": "mov,mp4,m4a,3gp,3g2,mj2", "duration_seconds": 6.0,
                   "width": 1280, "height": 720, "frame_rate": 24.0, "video_codec": "h264",
                   "has_audio": True, "audio_codec": "aac", "size_bytes": 11},
    }
    assert list(work_dir.iterdir()) == []


@pytest.mark.parametrize(("name", "content_type", "cache_control"), [
    ("master.m3u8", "application/vnd.apple.mpegurl", "public, max-age=3600"),
    ("720p/index.m3u8", "application/vnd.apple.mpegurl", "public, max-age=3600"),
    ("720p/init_1.mp4", "video/mp4", "public, max-age=31536000, immutable"),
    ("720p/segment_00000.m4s", "video/mp4", "public, max-age=31536000, immutable"),
    ("thumbnail.jpg", "image/jpeg", "public, max-age=3600"),
    ("thumbnails.vtt", "text/vtt", "public, max-age=3600"),
])
def test_each_file_gets_its_content_type_and_caching(
    work_dir: Path, name: str, content_type: str, cache_control: str,
) -> None:
    store = store_with_source()

    run(work_dir, store, FakeEvents())

    stored = store.uploaded[PREFIX + name]
    assert (stored.content_type, stored.cache_control, stored.body) == (
        content_type, cache_control, name.encode())


def test_an_upload_failing_midway_takes_back_what_went_up(work_dir: Path) -> None:
    store, events = store_with_source(), FakeEvents()
    store.fail_upload = lambda key: key.endswith("720p/segment_00000.m4s")

    final = run(work_dir, store, events)

    assert final["type"] == "failed"
    assert (final["code"], final["retryable"]) == ("upload_failed", True)
    assert "connection reset" in final["reason"]
    assert store.uploaded == {}
    assert PREFIX + "master.m3u8" not in store.upload_order
    assert set(store.deleted) >= {PREFIX + "720p/segment_00000.m4s", PREFIX + "480p/index.m3u8"}
    assert list(work_dir.iterdir()) == []


def test_a_failing_master_upload_takes_back_everything(work_dir: Path) -> None:
    store = store_with_source()
    store.fail_upload = lambda key: key.endswith("master.m3u8")

    final = run(work_dir, store, FakeEvents())

    assert final["code"] == "upload_failed"
    assert store.uploaded == {}


@pytest.mark.parametrize(("failure", "code", "retryable"), [
    (NotAVideo("audio only: no video stream"), "not_a_video", False),
    (TranscodeFailed("ffmpeg was killed by SIGKILL"), "transcode_failed", True),
    (TranscodeTimedOut("timed out after 900 s"), "timeout", True),
    (RuntimeError("a bug"), "transcode_failed", True),
])
def test_a_failed_transcode_publishes_nothing_and_says_why(
    work_dir: Path, failure: Exception, code: str, retryable: bool,
) -> None:
    store, events = store_with_source(), FakeEvents()

    final = run(work_dir, store, events, FakeTranscoder(failure=failure))

    assert final == {"type": "failed", "job_id": "job-7.1", "movie_id": "m-42",
                     "version": "v1", "reason": final["reason"], "code": code,
                     "retryable": retryable}
    assert str(failure) in final["reason"]
    assert events.sent[-1] == final
    assert store.upload_order == []
    assert list(work_dir.iterdir()) == []


def test_a_missing_source_is_reported(work_dir: Path) -> None:
    store, events = FakeStore(), FakeEvents()

    final = run(work_dir, store, events)

    assert (final["code"], final["retryable"]) == ("source_missing", True)
    assert events.sent == [final]


def test_lost_progress_events_do_not_stop_the_job(work_dir: Path) -> None:
    events = FakeEvents(refuse=lambda event: event["type"] == "progress")

    final = run(work_dir, store_with_source(), events)

    assert final["type"] == "ready"
    assert events.sent == [final]


def test_a_closing_event_that_cannot_be_sent_is_an_error(work_dir: Path) -> None:
    events = FakeEvents(refuse=lambda event: event["type"] == "ready")

    with pytest.raises(EventNotSent, match="could not send the ready event"):
        run(work_dir, store_with_source(), events)

    assert list(work_dir.iterdir()) == []


def test_an_empty_source_is_no_video_and_never_reaches_the_transcoder(work_dir: Path) -> None:
    store = FakeStore(objects={("uploads", "videos/m-42/trailer.mov"): b""})
    transcoder = FakeTranscoder()

    final = run(work_dir, store, FakeEvents(), transcoder)

    assert (final["code"], final["reason"]) == ("not_a_video", "empty file")
    assert transcoder.seen_source is None


def test_the_read_rate_reaches_the_transcoder(work_dir: Path) -> None:
    transcoder = FakeTranscoder()

    run_job(dataclasses.replace(request(work_dir), read_rate=0.5), store=store_with_source(),
            events=FakeEvents(), transcoder=transcoder, clock=lambda: AT)

    assert transcoder.seen_read_rate == 0.5
