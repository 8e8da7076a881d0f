"""What the job tells the catalog, as JSON messages on the transcode-events queue.

    progress: {"type", "job_id", "movie_id", "version", "percent", "at"}
    playable: {"type", "job_id", "movie_id", "version", "master_playlist_key",
               "renditions": [as in ready, figures so far], "audio", "duration" (the source's,
               probed), "thumbnail_key" (null until the poster is up), "at"}
               sent once per attempt, when the master playlist, every rendition's first
               segment and the audio's are up; growing EVENT playlists until `ready`
    ready:    {"type", "job_id", "movie_id", "version", "duration", "master_playlist_key",
               "renditions": [{"name", "width", "height", "bandwidth", "average_bandwidth",
                               "codecs", "playlist_key", "bytes", "segments"}],
               "audio", "thumbnail_key", "sprite_key", "vtt_key", "total_bytes", "source"}
    failed:   {"type", "job_id", "movie_id", "version", "reason", "code", "retryable"}
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from transcoder.errors import TranscoderError
from transcoder.results import Rendition, TranscodeResult

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

logger = logging.getLogger(__name__)

Event = dict[str, Any]
# The codes the catalog knows; any other failure (a missing ffmpeg, a broken probe, a stop
# request) is a failed transcode to it.
FAILURE_CODES = frozenset({"not_a_video", "source_corrupt", "source_truncated",
                           "transcode_failed", "timeout", "source_missing", "upload_failed"})


@dataclass(frozen=True)
class JobIdentity:
    job_id: str  # echoed as given: the catalog's "<job>.<attempt>"
    movie_id: str
    version: str

    @property
    def prefix(self) -> str:
        """Where this version's files go in the media bucket."""
        return f"videos/{self.movie_id}/{self.version}/"

    def fields(self) -> Event:
        return {"job_id": self.job_id, "movie_id": self.movie_id, "version": self.version}


def progress_event(job: JobIdentity, percent: float, at: datetime) -> Event:
    return {"type": "progress", **job.fields(), "percent": float(percent),
            "at": at.isoformat(timespec="milliseconds")}


def ready_event(job: JobIdentity, result: TranscodeResult) -> Event:
    def key(relative: str) -> str:
        return job.prefix + relative

    return {
        "type": "ready", **job.fields(), "duration": result.duration,
        "master_playlist_key": key(result.master_playlist),
        "renditions": [_rendition(job, r) for r in result.renditions],
        "audio": result.audio, "thumbnail_key": key(result.thumbnail),
        "sprite_key": key(result.sprite), "vtt_key": key(result.vtt),
        "total_bytes": result.total_bytes, "source": dataclasses.asdict(result.source),
    }


def playable_event(job: JobIdentity, *, master_playlist: str,
                   renditions: Sequence[Rendition], audio: bool, duration: float,
                   thumbnail: str | None, at: datetime) -> Event:
    return {
        "type": "playable", **job.fields(), "master_playlist_key": job.prefix + master_playlist,
        "renditions": [_rendition(job, r) for r in renditions], "audio": audio,
        "duration": duration,
        "thumbnail_key": None if thumbnail is None else job.prefix + thumbnail,
        "at": at.isoformat(timespec="milliseconds"),
    }


def _rendition(job: JobIdentity, rendition: Rendition) -> Event:
    r = rendition
    return {"name": r.name, "width": r.width, "height": r.height, "bandwidth": r.bandwidth,
            "average_bandwidth": r.average_bandwidth, "codecs": r.codecs,
            "playlist_key": job.prefix + r.playlist, "bytes": r.bytes, "segments": r.segments}


def failed_event(job: JobIdentity, error: TranscoderError) -> Event:
    code = error.code if error.code in FAILURE_CODES else "transcode_failed"
    return {"type": "failed", **job.fields(), "reason": error.reason, "code": code,
            "retryable": error.retryable}


class EventSink(Protocol):
    def send(self, event: Mapping[str, Any]) -> None: ...


class LoggedEventSink:
    """Sends through another sink and logs each event as one line: the task's log group
    counts progress, ready and failed lines with metric filters on `event`."""

    FIELDS = ("job_id", "movie_id", "version", "percent", "code", "retryable", "reason",
              "duration", "total_bytes")

    def __init__(self, sink: EventSink) -> None:
        self._sink = sink

    def send(self, event: Mapping[str, Any]) -> None:
        self._sink.send(event)
        level = logging.WARNING if event["type"] == "failed" else logging.INFO
        logger.log(level, "transcode %s", event["type"], extra={
            "event": event["type"], **{k: event[k] for k in self.FIELDS if k in event}})


class SqsEventSink:
    def __init__(self, queue_url: str, client: SQSClient | None = None) -> None:
        if client is None:
            import boto3

            client = boto3.client("sqs")
        self._client = client
        self._queue_url = queue_url

    def send(self, event: Mapping[str, Any]) -> None:
        self._client.send_message(QueueUrl=self._queue_url, MessageBody=json.dumps(event))
