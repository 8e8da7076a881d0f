"""Upload notifications as the transcode-jobs queue receives them, and a runner fake."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chalicelib.core.clients import aws_client, queue_url
from chalicelib.core.settings import Settings
from chalicelib.transcode.jobs import TranscodeJob
from chalicelib.transcode.uploads import uploaded_objects


def next_message(queue: str, wanted: Callable[[str], bool], what: str,
                 timeout: float = 10) -> str:
    """The body of the next message on `queue` that is `wanted`; the others are taken off
    the queue on the way."""
    sqs, url = aws_client("sqs"), queue_url(queue)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", []):
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            if wanted(message["Body"]):
                return str(message["Body"])
    raise AssertionError(f"no {what} arrived")


def next_upload_notification(settings: Settings, timeout: float = 10) -> str:
    """The body of the next notification that announces an upload (TestEvents skipped)."""
    return next_message(settings.queues.transcode_jobs, lambda body: bool(uploaded_objects(body)),
                        "upload notification", timeout)


@dataclass
class RecordingRunner:
    """A TaskRunner that starts nothing and remembers what it was asked to start and to
    stop (as (task id, run id))."""

    started: list[TranscodeJob] = field(default_factory=list)
    stopped: list[tuple[str, str]] = field(default_factory=list)

    def start(self, job: TranscodeJob) -> str:
        self.started.append(job)
        return f"recorded:{len(self.started)}"

    def stop(self, task_id: str, run_id: str) -> None:
        self.stopped.append((task_id, run_id))


def upload(settings: Settings, key: str, body: bytes = b"video bytes") -> str:
    aws_client("s3").put_object(Bucket=settings.buckets.uploads, Key=key, Body=body)
    return next_upload_notification(settings)


def ready_event(job: TranscodeJob, **overrides: Any) -> str:
    prefix = f"videos/{job.movie_id}/{job.version}"
    return json.dumps({
        "type": "ready", "job_id": job.run_id, "movie_id": job.movie_id,
        "version": job.version, "duration": 6.0, "audio": True,
        "master_playlist_key": f"{prefix}/master.m3u8",
        "thumbnail_key": f"{prefix}/thumbnail.jpg", "vtt_key": f"{prefix}/thumbnails.vtt",
        "renditions": [{"name": f"{h}p", "height": h, "width": h * 16 // 9,
                        "bandwidth": h * 3000, "codecs": "avc1.64001f,mp4a.40.2",
                        "playlist_key": f"{prefix}/{h}p/index.m3u8", "bytes": 1000}
                       for h in (480, 720)],
        **overrides,
    })


def failed_event(job: TranscodeJob, retryable: bool, reason: str = "ffmpeg was killed") -> str:
    return json.dumps({"type": "failed", "job_id": job.run_id, "movie_id": job.movie_id,
                       "version": job.version, "code": "transcode_failed", "reason": reason,
                       "retryable": retryable})
