"""What a finished transcode made, as relative paths under its output folder."""

from __future__ import annotations

from dataclasses import dataclass

from transcoder.source import SourceInfo


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
