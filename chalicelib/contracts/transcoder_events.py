"""The transcoder's events on the transcode-events queue: the one schema that the
transcoder writes (containers/transcoder/transcoder/events.py) and the handlers read
(chalicelib/transcode/job_events.py, chunk_jobs.py).

Each event is a JSON object whose `type` names its struct below, and whose `schema`
says which edition of these shapes wrote it (`version` is taken: it names the movie's
version). An event without `schema` is of edition 1, as every event sent before the
field existed was, so edition 1 leaves it out and the wire keeps the shape it had; fields
a newer writer adds within an edition are ignored. A field has a default only where an
older writer (or a handler's own event) leaves it out, and a default is not written. An edition
this code does not know is refused (UnknownSchema) rather than guessed at: during a
deploy that updates the transcoder first, its events wait for the handlers that read
them, and a job whose closing event is refused is retried when its deadline passes.

Only the standard library and msgspec here (chalicelib/contracts/__init__.py says why).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import msgspec

SCHEMA: Final = 1  # the edition this code writes and reads
FIRST_SCHEMA: Final = 1  # what an event without `schema` is


class NotAnEvent(ValueError):
    """The message is not a transcoder event this code can read; str() says why."""


class UnknownSchema(NotAnEvent):
    """The event is of an edition of this schema that this code does not know."""


class Rendition(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    height: int
    playlist_key: str  # in the media bucket
    # The transcoder sends all of these; the catalog makes do without them.
    name: str | None = None  # "720p"
    width: int | None = None
    bandwidth: int | None = None  # bit/s, peak segment, audio included
    average_bandwidth: int | None = None
    codecs: str | None = None
    bytes: int | None = None
    segments: int | None = None


class ProbedSource(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """The source as the probe found it (transcoder/source.py SourceInfo)."""

    container: str
    duration_seconds: float
    width: int
    height: int
    frame_rate: float
    video_codec: str
    has_audio: bool
    audio_codec: str | None
    size_bytes: int


class AudioTrack(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One rendition of the audio group (docs/subtitles.md)."""

    name: str  # its folder: "audio" (the default stereo one), "audio_1", "audio_1_6ch"
    language: str  # BCP 47, "und" when the source says none
    label: str
    channels: int  # 2, or 6 for a 5.1 rendition
    default: bool
    playlist_key: str


class SubtitleTrack(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One rendition of the subtitles group (docs/subtitles.md)."""

    track: str  # its folder is "subtitles/<track>"
    language: str
    label: str
    kind: str  # "subtitles", "captions" or "forced"
    forced: bool
    default: bool
    cue_count: int
    dropped_cues: int
    playlist_key: str
    first_dropped_line: int | None = None


class PlannedChunk(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    index: int
    start_seconds: float
    end_seconds: float | None  # None: to the end of the source
    first_segment: int
    segments: int


class _Event(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True, tag_field="type"):
    # The job's run id ("<job>.<attempt>"), or a chunk task's ("<job>.<attempt>/<task>.<n>").
    job_id: str
    # Absent from events a handler makes for a silent task (jobs.unreported_failure),
    # and from a chunk task's progress in the shape before this schema.
    movie_id: str | None = None
    version: str | None = None
    schema: int = FIRST_SCHEMA  # writers say SCHEMA


class Progress(_Event, frozen=True, kw_only=True, tag="progress"):
    percent: float
    at: str | None = None  # ISO 8601, milliseconds; the catalog's own progress has none


class Playable(_Event, frozen=True, kw_only=True, tag="playable"):
    """Once per attempt, when the master playlist and every rendition's first segment
    (and the audio's) are up; the playlists grow until `ready`."""

    master_playlist_key: str
    renditions: tuple[Rendition, ...]
    audio: bool
    duration: float  # the source's, probed
    thumbnail_key: str | None  # None until the poster is up
    at: str | None = None


class Ready(_Event, frozen=True, kw_only=True, tag="ready"):
    master_playlist_key: str
    renditions: tuple[Rendition, ...]
    audio: bool
    duration: float  # seconds, as the playlists add up
    thumbnail_key: str | None
    vtt_key: str | None
    # The transcoder sends these; what the catalog reads comes before.
    sprite_key: str | None = None
    total_bytes: int | None = None
    source: ProbedSource | None = None
    # Issue 20: every audio rendition, the subtitle tracks, what was left out and why.
    audio_tracks: tuple[AudioTrack, ...] = ()
    subtitles: tuple[SubtitleTrack, ...] = ()
    notes: tuple[str, ...] = ()


class Failed(_Event, frozen=True, kw_only=True, tag="failed"):
    reason: str
    code: str  # one of FAILURE_CODES when the transcoder sends it
    retryable: bool
    # Set by chunk_jobs on a task's failure passed on as the job's: that task has ended
    # and needs no stopping. The transcoder never sends it.
    task_run_id: str | None = None


class Planned(_Event, frozen=True, kw_only=True, tag="planned"):
    """The job's first task found a long source: one task per chunk takes over."""

    chunks: tuple[PlannedChunk, ...]
    # The transcoder's own rendition ladder (transcoder/chunk_cli.py ladder_to_json): the
    # handlers hand it back to the chunk tasks untouched.
    ladder: dict[str, Any]
    shift: float  # seconds the muxer shifts the picture by
    duration: float
    audio: bool


class TaskDone(_Event, frozen=True, kw_only=True, tag="task_done"):
    """A chunk task (a chunk's picture, or the audio) has uploaded all it encodes."""


class RemovedTrack(msgspec.Struct, frozen=True, kw_only=True):
    track: str
    language: str


class SubtitleAdded(_Event, frozen=True, kw_only=True, tag="subtitle_added"):
    """The `subtitles add` task published a track and republished the master
    (docs/subtitles.md); `job_id` is the task's run id (transcode/subtitle_jobs.py)."""

    master_playlist_key: str
    track: SubtitleTrack


class SubtitleRemoved(_Event, frozen=True, kw_only=True, tag="subtitle_removed"):
    master_playlist_key: str
    track: RemovedTrack


class SubtitleFailed(_Event, frozen=True, kw_only=True, tag="subtitle_failed"):
    """The subtitle task refused the file (`subtitle_invalid`, with the line) or could
    not do its work; only the track fails, never a transcode."""

    language: str
    code: str  # subtitle_invalid | version_missing | subtitle_failed
    reason: str
    line: int | None = None
    retryable: bool = False


SubtitleEvent = SubtitleAdded | SubtitleRemoved | SubtitleFailed
TranscoderEvent = (Progress | Playable | Ready | Failed | Planned | TaskDone | SubtitleAdded
                   | SubtitleRemoved | SubtitleFailed)

# The codes the catalog knows; the transcoder sends any other failure as transcode_failed.
FAILURE_CODES: Final = frozenset({
    "not_a_video", "source_corrupt", "source_truncated", "transcode_failed", "timeout",
    "source_missing", "upload_failed"})
EVENT_TYPES: Final = tuple(str(t.__struct_config__.tag) for t in TranscoderEvent.__args__)


class _Envelope(msgspec.Struct, frozen=True):
    """What is read before the shape is known: which edition, which event."""

    type: Any = None
    schema: Any = FIRST_SCHEMA


def kind(event: TranscoderEvent) -> str:
    """The event's `type`, as sent."""
    return str(event.__struct_config__.tag)


def to_message(event: TranscoderEvent) -> dict[str, Any]:
    """The event as the JSON object that travels, as a reader of the JSON would see it
    (lists, not tuples)."""
    message: dict[str, Any] = msgspec.json.decode(encode(event))
    return message


def encode(event: TranscoderEvent) -> bytes:
    return msgspec.json.encode(event)


def decode(body: str | bytes) -> TranscoderEvent:
    """The event a queue message holds; NotAnEvent (UnknownSchema) when it holds none this
    code can read."""
    try:
        envelope = msgspec.json.decode(body, type=_Envelope)
    except msgspec.DecodeError as error:
        raise NotAnEvent(f"not a JSON object: {error}") from None
    _check(envelope)
    try:
        event: TranscoderEvent = msgspec.json.decode(body, type=TranscoderEvent)
    except msgspec.ValidationError as error:
        raise NotAnEvent(f"a {envelope.type} event {error}") from None
    return event


def from_message(message: Mapping[str, Any]) -> TranscoderEvent:
    """The event a JSON object already parsed holds (as decode)."""
    _check(_envelope(message))
    try:
        event: TranscoderEvent = msgspec.convert(message, TranscoderEvent)
    except msgspec.ValidationError as error:
        raise NotAnEvent(f"a {message.get('type')} event {error}") from None
    return event


def check_edition(message: Mapping[str, Any]) -> None:
    """UnknownSchema (NotAnEvent when `schema` is no number) unless the message is of the
    edition this code reads: for any message the transcoder sends, before the rest is read."""
    _check_edition(_envelope(message))


def _envelope(message: Mapping[str, Any]) -> _Envelope:
    try:
        return msgspec.convert(message, _Envelope)
    except msgspec.ValidationError as error:
        raise NotAnEvent(f"not a JSON object: {error}") from None


def _check(envelope: _Envelope) -> None:
    _check_edition(envelope)
    if envelope.type not in EVENT_TYPES:
        raise NotAnEvent(f"{envelope.type!r} is not a transcoder event type")


def _check_edition(envelope: _Envelope) -> None:
    if isinstance(envelope.schema, bool) or not isinstance(envelope.schema, int):
        raise NotAnEvent(f"schema must be an integer, not {envelope.schema!r}")
    if envelope.schema != SCHEMA:
        raise UnknownSchema(f"schema {envelope.schema} is not known here (this code reads "
                            f"schema {SCHEMA})")
