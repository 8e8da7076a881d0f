"""`python -m transcoder run` as the task runner starts it: a process of its own, against
moto's S3 and SQS, with the real ffmpeg on tiny clips made here."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "containers" / "transcoder"))

import transcoder
from transcoder.binaries import find_media_tools

from devstack.emulator import Emulator
from devstack.transcoder_process import transcoder_pythonpath
from tests.support.media import render_sources

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient

TRANSCODER_ROOT = Path(transcoder.__file__).parent.parent
X264 = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
SOURCES: Mapping[str, list[str]] = {
    "clip.mp4": ["-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=12:duration=5",
                 "-f", "lavfi", "-i", "sine=frequency=440:duration=5", *X264, "-c:a", "aac"],
    # Long enough that its encode is still running when the test kills it.
    "long.mp4": ["-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=24:duration=20", *X264],
    "podcast.m4a": ["-f", "lavfi", "-i", "sine=frequency=220:duration=2", "-c:a", "aac"],
}
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
               "AWS_DEFAULT_REGION": "us-east-1"}


@dataclass(frozen=True)
class Stack:
    endpoint: str
    uploads: str
    media: str
    queue_url: str

    def s3(self) -> S3Client:
        return s3_client(self.endpoint)

    def sqs(self) -> SQSClient:
        return sqs_client(self.endpoint)


def s3_client(endpoint: str) -> S3Client:
    return boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="test",
                        aws_secret_access_key="test", region_name="us-east-1")


def sqs_client(endpoint: str) -> SQSClient:
    return boto3.client("sqs", endpoint_url=endpoint, aws_access_key_id="test",
                        aws_secret_access_key="test", region_name="us-east-1")


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = render_sources(find_media_tools().ffmpeg, tmp_path_factory.mktemp("media"),
                            SOURCES)
    (folder / "empty.mp4").touch()
    return folder


@pytest.fixture
def stack(moto: Emulator) -> Stack:
    name = uuid.uuid4().hex[:10]
    s3, sqs = s3_client(moto.endpoint), sqs_client(moto.endpoint)
    for bucket in (f"uploads-{name}", f"media-{name}"):
        s3.create_bucket(Bucket=bucket)
    queue_url = sqs.create_queue(QueueName=f"events-{name}")["QueueUrl"]
    return Stack(moto.endpoint, f"uploads-{name}", f"media-{name}", queue_url)


@dataclass(frozen=True)
class Finished:
    status: int
    stdout: str
    stderr: str


def job_command(stack: Stack, source_key: str, work_dir: Path) -> list[str]:
    return [sys.executable, "-m", "transcoder", "run", "--source-bucket", stack.uploads,
            "--source-key", source_key, "--movie-id", "m-1", "--version", "v1",
            "--media-bucket", stack.media, "--events-queue-url", stack.queue_url,
            "--job-id", "job-1.1", "--timeout", "120", "--work-dir", str(work_dir)]


def start_job(stack: Stack, source_key: str, work_dir: Path) -> subprocess.Popen[str]:
    environment = {**os.environ, **CREDENTIALS, "AWS_ENDPOINT_URL": stack.endpoint,
                   "PYTHONPATH": transcoder_pythonpath(TRANSCODER_ROOT)}
    return subprocess.Popen(job_command(stack, source_key, work_dir), cwd=TRANSCODER_ROOT,
                            env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def finish(process: subprocess.Popen[str]) -> Finished:
    stdout, stderr = process.communicate(timeout=120)
    return Finished(process.returncode, stdout, stderr)


def upload(stack: Stack, source: Path) -> str:
    key = f"videos/m-1/{source.name}"
    stack.s3().upload_file(str(source), stack.uploads, key)
    return key


def events(stack: Stack) -> list[dict[str, Any]]:
    sqs, received = stack.sqs(), list[dict[str, Any]]()
    while True:
        batch = sqs.receive_message(QueueUrl=stack.queue_url, MaxNumberOfMessages=10,
                                    WaitTimeSeconds=0).get("Messages", [])
        if not batch:
            return received
        received += [json.loads(message["Body"]) for message in batch]
        sqs.delete_message_batch(QueueUrl=stack.queue_url, Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)])


def published(stack: Stack) -> list[str]:
    listing = stack.s3().list_objects_v2(Bucket=stack.media)
    return sorted(item["Key"] for item in listing.get("Contents", []))


def test_a_job_publishes_the_ladder_and_reports_progress_and_ready(
    stack: Stack, media: Path, tmp_path: Path,
) -> None:
    finished = finish(start_job(stack, upload(stack, media / "clip.mp4"), tmp_path))

    assert finished.status == 0, finished.stderr
    received = events(stack)
    assert sorted({e["type"] for e in received[:-1]}) == ["playable", "progress"]
    assert [e["type"] for e in received].count("playable") == 1
    assert all(0 <= e["percent"] <= 100 and e["at"] for e in received[:-1]
               if e["type"] == "progress")
    ready = received[-1]
    assert json.loads(finished.stdout) == ready
    assert (ready["type"], ready["job_id"], ready["movie_id"], ready["version"]) == (
        "ready", "job-1.1", "m-1", "v1")
    assert ready["master_playlist_key"] == "videos/m-1/v1/master.m3u8"
    assert [r["name"] for r in ready["renditions"]] == ["480p", "720p"]
    assert ready["audio"] is True and ready["source"]["width"] == 1280
    keys = published(stack)
    assert {key.removeprefix("videos/m-1/v1/").split("/")[0] for key in keys} == {
        "480p", "720p", "audio", "master.m3u8", "thumbnail.jpg", "sprite.jpg",
        "thumbnails.vtt"}
    for key in [ready["master_playlist_key"], ready["thumbnail_key"], ready["sprite_key"],
                ready["vtt_key"], "videos/m-1/v1/audio/index.m3u8",
                *(r["playlist_key"] for r in ready["renditions"])]:
        assert key in keys
    for rendition in ready["renditions"]:
        folder = rendition["playlist_key"].rpartition("/")[0]
        assert sum(1 for k in keys if k.startswith(folder) and k.endswith(".m4s")) == \
            rendition["segments"]
    s3 = stack.s3()
    master = s3.get_object(Bucket=stack.media, Key=ready["master_playlist_key"])
    assert master["ContentType"] == "application/vnd.apple.mpegurl"
    assert b'URI="audio/index.m3u8"' in master["Body"].read()
    segment = s3.head_object(Bucket=stack.media, Key="videos/m-1/v1/720p/segment_00000.m4s")
    assert (segment["ContentType"], segment["CacheControl"]) == (
        "video/mp4", "public, max-age=31536000, immutable")
    assert s3.head_object(Bucket=stack.media, Key=ready["vtt_key"])["ContentType"] == "text/vtt"
    assert list(tmp_path.iterdir()) == []


def ffmpeg_child(parent: int, marker: str, timeout: float = 30) -> int:
    """The pid of `parent`'s ffmpeg child whose command line holds `marker`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                command = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:  # gone meanwhile
                continue
            parent_pid = int(stat.rpartition(")")[2].split()[1])
            if parent_pid == parent and marker.encode() in command:
                return int(entry.name)
        time.sleep(0.02)
    raise AssertionError(f"no ffmpeg with {marker} under {parent} within {timeout} s")


def dead(pid: int, timeout: float = 30) -> bool:
    """Whether `pid` is gone or a zombie within `timeout`: an ffmpeg killed as its
    transcoder exits (the parent-death signal) is reaped by init a moment later."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
        except OSError:
            return True
        if state == "Z":
            return True
        time.sleep(0.05)
    return False


def test_a_killed_ffmpeg_fails_the_job_retryably_and_publishes_nothing(
    stack: Stack, media: Path, tmp_path: Path,
) -> None:
    job = start_job(stack, upload(stack, media / "long.mp4"), tmp_path)
    try:
        os.kill(ffmpeg_child(job.pid, "-filter_complex"), signal.SIGKILL)
    finally:
        finished = finish(job)

    assert finished.status == 1, finished.stderr
    failed = events(stack)[-1]
    assert failed == {"type": "failed", "job_id": "job-1.1", "movie_id": "m-1",
                      "version": "v1", "reason": "ffmpeg was killed by SIGKILL",
                      "code": "transcode_failed", "retryable": True}
    assert json.loads(finished.stderr.splitlines()[-1]) == {
        "error": "transcode_failed", "reason": "ffmpeg was killed by SIGKILL"}
    assert published(stack) == []
    assert list(tmp_path.iterdir()) == []


def test_a_stopped_task_kills_ffmpeg_reports_and_cleans_up(
    stack: Stack, media: Path, tmp_path: Path,
) -> None:
    job = start_job(stack, upload(stack, media / "long.mp4"), tmp_path)
    try:
        encoder = ffmpeg_child(job.pid, "-filter_complex")
        job.send_signal(signal.SIGTERM)  # what ECS sends a task before SIGKILL
    finally:
        finished = finish(job)

    assert finished.status == 1, finished.stderr
    failed = events(stack)[-1]
    assert (failed["type"], failed["code"], failed["retryable"]) == (
        "failed", "transcode_failed", True)
    assert failed["reason"] == "stopped by SIGTERM"
    assert dead(encoder)
    assert published(stack) == []
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("source", "reason"), [
    ("empty.mp4", "empty file"),
    ("podcast.m4a", "audio only"),
])
def test_what_is_no_video_fails_for_good_with_status_2(
    stack: Stack, media: Path, tmp_path: Path, source: str, reason: str,
) -> None:
    finished = finish(start_job(stack, upload(stack, media / source), tmp_path))

    assert finished.status == 2, finished.stderr
    (failed,) = events(stack)
    assert (failed["type"], failed["code"], failed["retryable"]) == (
        "failed", "not_a_video", False)
    assert reason in failed["reason"]
    assert published(stack) == []
    assert list(tmp_path.iterdir()) == []


def test_a_missing_source_fails_with_status_1(stack: Stack, tmp_path: Path) -> None:
    finished = finish(start_job(stack, "videos/m-1/never-uploaded.mp4", tmp_path))

    assert finished.status == 1
    (failed,) = events(stack)
    assert (failed["code"], failed["retryable"]) == ("source_missing", True)
    assert list(tmp_path.iterdir()) == []
