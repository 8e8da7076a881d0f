"""What a transcode is about to make, and what a finished one made (relative paths under
its output folder)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from transcoder.audio_tracks import AudioPlan
from transcoder.source import SourceInfo

if TYPE_CHECKING:
    from transcoder.ffmpeg_command import EncoderSettings
    from transcoder.ladder import RenditionLadder


@dataclass(frozen=True)
class EncodePlan:
    """Handed out as ffmpeg starts, for whoever publishes the segments as they come."""

    source: SourceInfo
    ladder: RenditionLadder
    settings: EncoderSettings
    output_dir: Path
    audio: tuple[AudioPlan, ...] = ()  # every audio rendition; () with the ladder's one


@dataclass(frozen=True)
class AudioTrack:
    name: str  # its folder: "audio", "audio_1", "audio_1_6ch"
    language: str
    label: str
    channels: int
    default: bool
    playlist: str  # "audio_1/index.m3u8"


@dataclass(frozen=True)
class SubtitleTrack:
    track: str  # "en", "en-2": the folder is "subtitles/<track>"
    language: str
    label: str
    kind: str  # "subtitles", "captions" or "forced"
    default: bool
    cue_count: int
    dropped_cues: int
    first_dropped_line: int | None
    playlist: str  # "subtitles/en/index.m3u8"

    @property
    def forced(self) -> bool:
        return self.kind == "forced"


@dataclass(frozen=True)
class Rendition:
    name: str  # "720p"
    width: int
    height: int
    bandwidth: int  # bit/s, peak segment, audio included: the master's BANDWIDTH
    average_bandwidth: int  # bit/s, audio included: AVERAGE-BANDWIDTH
    codecs: str  # "avc1.64001f,mp4a.40.2"
    playlist: str  # "720p/index.m3u8"
    bytes: int  # the variant's own files: playlist, init and segments
    segments: int


@dataclass(frozen=True)
class TranscodeResult:
    source: SourceInfo
    duration: float  # seconds, as the playlists add up
    renditions: tuple[Rendition, ...]  # lowest first
    audio: bool
    audio_playlist: str | None  # "audio/index.m3u8", the one audio rendition
    master_playlist: str
    thumbnail: str
    sprite: str
    vtt: str
    total_bytes: int  # every file written, the master included
    audio_tracks: tuple[AudioTrack, ...] = ()  # the default first
    subtitles: tuple[SubtitleTrack, ...] = ()
    notes: tuple[str, ...] = ()  # what was left out, and why (image subtitles, say)
