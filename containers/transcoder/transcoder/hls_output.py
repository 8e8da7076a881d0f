"""The variant folders ffmpeg is writing: which segments are finished, how long each plays,
and the media playlists made from them.

With `-hls_flags temp_file` ffmpeg writes a segment under a temporary name and renames it
once complete, and it closes a variant's init segment before its first segment appears;
segments are numbered from 0 (ffmpeg_command.SEGMENT_PATTERN). So a folder is read, while
ffmpeg runs or after, by looking for the next number: there is nothing to miss, which
reading ffmpeg's own playlist (rewritten after each segment) could not promise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from transcoder.errors import TranscodeFailed
from transcoder.ffmpeg_command import AUDIO_NAME, INIT_NAME, PLAYLIST_NAME, SEGMENT_PATTERN
from transcoder.fmp4 import TrackTiming, fragment_timing, track_timing
from transcoder.hls import MediaPlaylist, MediaSegment, render_media_playlist, target_duration

# Segment starts on different rungs may differ by this much and still be one boundary:
# the same frame, its time rounded into each track's timescale.
ALIGNMENT_TOLERANCE_SECONDS = 0.001


@dataclass(frozen=True)
class FinishedSegment:
    path: Path
    start: float  # seconds, the decode time of its first sample
    duration: float
    size: int


class VariantFolder:
    """One variant's folder (a rung's, or the audio's), read as far as ffmpeg has got."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._track: TrackTiming | None = None
        self._init: Path | None = None
        self._segments: list[FinishedSegment] = []

    @property
    def name(self) -> str:
        return self.folder.name

    @property
    def init(self) -> Path | None:
        """The init segment, once complete (when the first segment is)."""
        return self._init

    @property
    def segments(self) -> tuple[FinishedSegment, ...]:
        return tuple(self._segments)

    def scan(self) -> list[FinishedSegment]:
        """The segments finished since the last scan, in order; TranscodeFailed when one is
        unreadable (ffmpeg renames a segment only once it is whole)."""
        found = []
        while (path := self.folder / (SEGMENT_PATTERN % len(self._segments))).exists():
            try:
                if self._track is None:
                    self._init = self._init_segment()
                    self._track = track_timing(self._init.read_bytes())
                body = path.read_bytes()
                timing = fragment_timing(body, self._track)
            except (OSError, ValueError) as error:
                raise TranscodeFailed(f"ffmpeg left an unreadable {self.name}/{path.name}: "
                                      f"{error}") from error
            segment = FinishedSegment(path, timing.start, timing.duration, len(body))
            self._segments.append(segment)
            found.append(segment)
        return found

    def playlist(self, segment_seconds: int, *, ended: bool,
                 count: int | None = None) -> MediaPlaylist:
        """The media playlist of the first `count` segments (all by default)."""
        if self._init is None:
            raise ValueError(f"{self.name}/ has no finished segment yet")
        segments = [MediaSegment(s.path.name, s.duration) for s in self._segments[:count]]
        return MediaPlaylist(target_duration(segment_seconds, segments), self._init.name,
                             tuple(segments), ended)

    def _init_segment(self) -> Path:
        stem, _, suffix = INIT_NAME.rpartition(".")
        # "init.mp4", or "init_<variant index>.mp4" when ffmpeg writes several variants.
        candidates = sorted(self.folder.glob(f"{stem}*.{suffix}"))
        if len(candidates) != 1:
            raise ValueError(f"{len(candidates)} init segments")
        return candidates[0]


def write_media_playlists(output_dir: Path, names: Sequence[str], segment_seconds: int) -> None:
    """After ffmpeg: each variant's complete playlist in its folder, as PLAYLIST_NAME (in
    place of ffmpeg's one-entry list); TranscodeFailed when a variant has no segment or
    the rungs' segments do not start together."""
    variants = [VariantFolder(output_dir / name) for name in names]
    for variant in variants:
        variant.scan()
        if not variant.segments:
            raise TranscodeFailed(f"ffmpeg wrote no segment in {variant.name}/")
    require_aligned([v for v in variants if not is_audio_folder(v.name)])
    for variant in variants:
        playlist = variant.playlist(segment_seconds, ended=True)
        (variant.folder / PLAYLIST_NAME).write_text(render_media_playlist(playlist))


def is_audio_folder(name: str) -> bool:
    """"audio", or another audio rendition's "audio_1", "audio_0_6ch" (audio_tracks.py)."""
    return name == AUDIO_NAME or name.startswith(f"{AUDIO_NAME}_")


def require_aligned(rungs: list[VariantFolder]) -> None:
    """Players switch rungs at segment boundaries: they must be the same on every rung."""
    first, *others = [[s.start for s in rung.segments] for rung in rungs] or [[]]
    for starts in others:
        if len(starts) != len(first) or any(abs(a - b) > ALIGNMENT_TOLERANCE_SECONDS
                                             for a, b in zip(starts, first, strict=True)):
            raise TranscodeFailed("the renditions' segments do not start at the same times")
