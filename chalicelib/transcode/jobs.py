"""A transcode job as the runners see it, and the command line of the transcoder."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from chalicelib.core.clients import queue_url
from chalicelib.core.settings import Settings
from chalicelib.core.validation import ascii_int


@dataclass(frozen=True)
class TranscodeJob:
    job_id: str
    attempt: int
    movie_id: str
    version: str
    source_bucket: str
    source_key: str

    @property
    def run_id(self) -> str:
        """What the transcoder echoes in its events: the job and which attempt of it."""
        return f"{self.job_id}.{self.attempt}"

    def arguments(self, settings: Settings) -> list[str]:
        return [
            "run", "--source-bucket", self.source_bucket, "--source-key", self.source_key,
            "--movie-id", self.movie_id, "--version", self.version,
            "--media-bucket", settings.buckets.media,
            "--events-queue-url", queue_url(settings.queues.transcode_events),
            "--job-id", self.run_id, "--timeout", str(settings.transcoding.timeout_seconds),
            *_chunking(settings),
        ]


def _chunking(settings: Settings) -> list[str]:
    """When the first task should plan chunk tasks (chunk_jobs.py) instead of encoding."""
    config = settings.transcoding
    if config.chunk_threshold_seconds is None and config.chunk_count is None:
        return []
    threshold = config.chunk_threshold_seconds
    return [*(["--chunk-threshold", f"{threshold:g}"] if threshold is not None else []),
            *(["--chunks", str(config.chunk_count)] if config.chunk_count else [])]


def run_id_of(command: Sequence[str]) -> str | None:
    """The `--job-id` a transcoder command line carries (the inverse of `arguments`)."""
    for flag, value in pairwise(command):
        if flag == "--job-id":
            return str(value)
    return None


def unreported_failure(run_id: str, reason: str) -> dict[str, Any]:
    """The failed event for a transcoder that stopped without sending its own: retryable,
    since a killed or never-started task says nothing about the upload."""
    return {"type": "failed", "job_id": run_id, "code": "transcode_failed",
            "retryable": True, "reason": reason}


def split_run_id(run_id: str) -> tuple[str, int]:
    job_id, _, attempt = run_id.rpartition(".")
    return job_id, ascii_int(attempt) or 0
