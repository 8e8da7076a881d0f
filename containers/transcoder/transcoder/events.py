"""What the job tells the catalog, as JSON messages on the transcode-events queue: progress,
playable (once per attempt, when the master playlist, every rendition's first segment and
the audio's are up; growing EVENT playlists until `ready`), ready and failed, and the chunk
tasks' planned and task_done (chunk_job.py). Their shapes are the schema the handlers read
too, chalicelib/contracts/transcoder_events.py, which the image carries beside this package.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from chalicelib.contracts import transcoder_events as schema
from transcoder.chunks import Chunk
from transcoder.errors import TranscoderError
from transcoder.results import Rendition, TranscodeResult

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

logger = logging.getLogger(__name__)

# An event as it travels (schema.to_message): sinks and tests read it as JSON would.
Event = dict[str, Any]
# Any other failure (a missing ffmpeg, a broken probe, a stop request) is a failed
# transcode to the catalog.
FAILURE_CODES = schema.FAILURE_CODES


@dataclass(frozen=True)
class JobIdentity:
    job_id: str  # echoed as given: the catalog's "<job>.<attempt>"
    movie_id: str
    version: str

    @property
    def prefix(self) -> str:
        """Where this version's files go in the media bucket."""
        return f"videos/{self.movie_id}/{self.version}/"

    def fields(self) -> dict[str, Any]:
        """What every event of the job says about it (schema.SCHEMA: the edition written)."""
        return {"job_id": self.job_id, "movie_id": self.movie_id, "version": self.version,
                "schema": schema.SCHEMA}


def progress_event(job: JobIdentity, percent: float, at: datetime) -> Event:
    return schema.to_message(schema.Progress(
        **job.fields(), percent=float(percent), at=at.isoformat(timespec="milliseconds")))


def ready_event(job: JobIdentity, result: TranscodeResult) -> Event:
    def key(relative: str) -> str:
        return job.prefix + relative

    return schema.to_message(schema.Ready(
        **job.fields(), duration=result.duration,
        master_playlist_key=key(result.master_playlist),
        renditions=tuple(_rendition(job, r) for r in result.renditions),
        audio=result.audio, thumbnail_key=key(result.thumbnail),
        sprite_key=key(result.sprite), vtt_key=key(result.vtt),
        total_bytes=result.total_bytes,
        source=schema.ProbedSource(**dataclasses.asdict(result.source)),
        audio_tracks=tuple(schema.AudioTrack(
            name=a.name, language=a.language, label=a.label, channels=a.channels,
            default=a.default, playlist_key=key(a.playlist)) for a in result.audio_tracks),
        subtitles=tuple(schema.SubtitleTrack(
            track=t.track, language=t.language, label=t.label, kind=t.kind, forced=t.forced,
            default=t.default, cue_count=t.cue_count, dropped_cues=t.dropped_cues,
            first_dropped_line=t.first_dropped_line, playlist_key=key(t.playlist))
            for t in result.subtitles),
        notes=result.notes))


def playable_event(job: JobIdentity, *, master_playlist: str,
                   renditions: Sequence[Rendition], audio: bool, duration: float,
                   thumbnail: str | None, at: datetime) -> Event:
    return schema.to_message(schema.Playable(
        **job.fields(), master_playlist_key=job.prefix + master_playlist,
        renditions=tuple(_rendition(job, r) for r in renditions), audio=audio,
        duration=duration,
        thumbnail_key=None if thumbnail is None else job.prefix + thumbnail,
        at=at.isoformat(timespec="milliseconds")))


def _rendition(job: JobIdentity, rendition: Rendition) -> schema.Rendition:
    r = rendition
    return schema.Rendition(
        name=r.name, width=r.width, height=r.height, bandwidth=r.bandwidth,
        average_bandwidth=r.average_bandwidth, codecs=r.codecs,
        playlist_key=job.prefix + r.playlist, bytes=r.bytes, segments=r.segments)


def failed_event(job: JobIdentity, error: TranscoderError) -> Event:
    code = error.code if error.code in FAILURE_CODES else "transcode_failed"
    return schema.to_message(schema.Failed(
        **job.fields(), reason=error.reason, code=code, retryable=error.retryable))


def planned_event(job: JobIdentity, *, chunks: Sequence[Chunk], ladder: dict[str, Any],
                  shift: float, duration: float, audio: bool) -> Event:
    return schema.to_message(schema.Planned(
        **job.fields(), chunks=tuple(schema.PlannedChunk(**vars(c)) for c in chunks),
        ladder=ladder, shift=shift, duration=duration, audio=audio))


def task_done_event(job: JobIdentity) -> Event:
    return schema.to_message(schema.TaskDone(**job.fields()))


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
        # Read back through the schema first, so that no event it refuses leaves the task
        # (NotAnEvent); sent as given, so nothing a reader may want is dropped on the way.
        schema.from_message(event)
        self._client.send_message(QueueUrl=self._queue_url, MessageBody=json.dumps(event))
