"""Subtitles as HLS renditions: cues cut into WebVTT segments on the video's segment
boundaries, their media playlist, and the master playlist's SUBTITLES group rewritten
without touching anything else in it (a track added or removed after the transcode).

Every segment's header maps cue time 0 to the media time the source's time 0 has in the
video's fMP4 segments: its muxer starts decode times at 0, and B-frames decode before they
show, so the source's start sits at the first presentation time (tfdt plus the smallest
composition offset: one or two frames). hls.js (1.7) places a cue at its time plus
(MPEGTS - initPTS) / 90 kHz, initPTS being the first video fragment's decode time, 0: so
MPEGTS is that presentation time in the 90 kHz clock X-TIMESTAMP-MAP speaks, and a cue
shows with the frame it was timed to.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from transcoder.fmp4 import track_timing
from transcoder.hls import SUBTITLE_GROUP, MediaPlaylist
from transcoder.subtitles import Cue, render_webvtt

SUBTITLE_PREFIX = "subtitles/"  # a track's folder: "subtitles/en/" (docs/subtitles.md)
SEGMENT_NAME = "segment_%05d.vtt"
MPEG_CLOCK = 90_000
KINDS = ("subtitles", "captions", "forced")
_TRUN_DATA_OFFSET, _TRUN_FIRST_FLAGS = 0x01, 0x04
_TRUN_DURATION, _TRUN_SIZE, _TRUN_FLAGS, _TRUN_COMPOSITION = 0x100, 0x200, 0x400, 0x800
_MEDIA_SUBTITLES = "#EXT-X-MEDIA:TYPE=SUBTITLES"


@dataclass(frozen=True)
class SubtitleRendition:
    track: str  # its folder's name under subtitles/: "en", "en-2", or an added language
    language: str
    label: str
    kind: str  # one of KINDS
    default: bool = False

    @property
    def forced(self) -> bool:
        return self.kind == "forced"

    @property
    def folder(self) -> str:
        return SUBTITLE_PREFIX + self.track

    @property
    def uri(self) -> str:
        return f"{self.folder}/index.m3u8"

    def media_line(self) -> str:
        # A forced track shows by itself (signs, foreign dialogue) only when no other is
        # chosen: players pick it automatically, never as the viewer's choice.
        characteristics = (',CHARACTERISTICS="public.accessibility.transcribes-spoken-dialog,'
                           'public.accessibility.describes-music-and-sound"'
                           if self.kind == "captions" else "")
        return (f'{_MEDIA_SUBTITLES},GROUP-ID="{SUBTITLE_GROUP}",'
                f'LANGUAGE="{_quoted(self.language)}",NAME="{_quoted(self.label)}",'
                f'DEFAULT={_yes(self.default)},AUTOSELECT=YES,FORCED={_yes(self.forced)}'
                f'{characteristics},URI="{self.uri}"')


def _yes(flag: bool) -> str:
    return "YES" if flag else "NO"


def _quoted(text: str) -> str:
    # A quoted-string may hold neither a double quote nor a line break (RFC 8216 4.2).
    return text.replace('"', "'").replace("\n", " ").replace("\r", " ")


def timestamp_map(mpegts: int) -> str:
    return f"X-TIMESTAMP-MAP=MPEGTS:{mpegts},LOCAL:00:00:00.000"


def segment_cues(cues: Sequence[Cue], durations: Sequence[float], mpegts: int) -> list[str]:
    """One WebVTT file per video segment (`durations` in seconds, in order): the cues that
    show during it, a cue that spans a boundary in each segment it touches."""
    segments, start_ms = [], 0
    for index, duration in enumerate(durations):
        end_ms = start_ms + round(duration * 1000)
        last = index == len(durations) - 1
        inside = [cue for cue in cues
                  if cue.end_ms > start_ms and (last or cue.start_ms < end_ms)]
        segments.append(render_webvtt(inside, timestamp_map(mpegts)))
        start_ms = end_ms
    return segments


def subtitle_playlist(durations: Sequence[float], target_duration: int) -> str:
    """The VOD media playlist of the segments: the same durations as the video's."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", f"#EXT-X-TARGETDURATION:{target_duration}",
             "#EXT-X-MEDIA-SEQUENCE:0", "#EXT-X-PLAYLIST-TYPE:VOD"]
    for index, duration in enumerate(durations):
        lines += [f"#EXTINF:{duration:.6f},", SEGMENT_NAME % index]
    lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


def video_durations(playlist: MediaPlaylist) -> list[float]:
    return [segment.duration for segment in playlist.segments]


def first_presentation_time(init_segment: bytes, first_segment: bytes) -> int:
    """The video's first presentation time at 90 kHz: the first fragment's decode time
    plus the smallest composition offset among its samples (B-frames put the first
    picture shown after the first decoded); ValueError when these are no fMP4."""
    track = track_timing(init_segment)
    decode: int | None = None
    offsets: list[int] = []
    for kind, body in _boxes(first_segment):
        if kind == b"tfdt" and decode is None:
            decode = int(struct.unpack_from(">Q" if body[0] == 1 else ">I", body, 4)[0])
        elif kind == b"trun" and not offsets:
            offsets = _composition_offsets(body)
    if decode is None:
        raise ValueError("no tfdt box: not a media segment")
    ticks = decode + min(offsets, default=0)
    return round(ticks * MPEG_CLOCK / track.timescale)


def _composition_offsets(body: bytes) -> list[int]:
    version, flags = body[0], int.from_bytes(body[1:4], "big")
    if not flags & _TRUN_COMPOSITION:
        return []
    (count,) = struct.unpack_from(">I", body, 4)
    offset = 8 + (4 if flags & _TRUN_DATA_OFFSET else 0) + (4 if flags & _TRUN_FIRST_FLAGS else 0)
    before = 4 * sum(1 for bit in (_TRUN_DURATION, _TRUN_SIZE, _TRUN_FLAGS) if flags & bit)
    row = before + 4
    fmt = ">i" if version == 1 else ">I"  # version 1: offsets may be negative
    return [int(struct.unpack_from(fmt, body, offset + i * row + before)[0])
            for i in range(min(count, (len(body) - offset) // row))]


def _boxes(data: bytes, start: int = 0, end: int | None = None) -> list[tuple[bytes, bytes]]:
    found: list[tuple[bytes, bytes]] = []
    end = len(data) if end is None else end
    while start + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, start)
        header = 8
        if size == 1:
            (size,) = struct.unpack_from(">Q", data, start + 8)
            header = 16
        elif size == 0:
            size = end - start
        if size < header or start + size > end:
            raise ValueError(f"a {kind!r} box runs past its parent")
        if kind in (b"moof", b"traf"):
            found += _boxes(data, start + header, start + size)
        else:
            found.append((kind, data[start + header:start + size]))
        start += size
    return found


# --- the master playlist's SUBTITLES group ------------------------------------------------

_SUBTITLES_ATTRIBUTE = re.compile(r',SUBTITLES="[^"]*"')
_URI = re.compile(r'URI="([^"]*)"')


def with_subtitles(master: str, renditions: Sequence[SubtitleRendition],
                   *, drop: Sequence[str] = ()) -> str:
    """`master` with `renditions` in its SUBTITLES group (replacing any of the same track)
    and the tracks in `drop` gone; every variant names the group while it has a track.
    Nothing else in the playlist changes: the video and audio stay as published."""
    gone = {SUBTITLE_PREFIX + track for track in [*drop, *(r.track for r in renditions)]}
    lines = [line for line in master.splitlines()
             if not (line.startswith(_MEDIA_SUBTITLES) and _folder_of(line) in gone)]
    media_end = max((i + 1 for i, line in enumerate(lines) if line.startswith("#EXT-X-MEDIA:")),
                    default=_header_end(lines))
    lines[media_end:media_end] = [r.media_line() for r in renditions]
    has_tracks = any(line.startswith(_MEDIA_SUBTITLES) for line in lines)
    group = f',SUBTITLES="{SUBTITLE_GROUP}"' if has_tracks else ""
    out = [_SUBTITLES_ATTRIBUTE.sub("", line) + group
           if line.startswith("#EXT-X-STREAM-INF:") else line for line in lines]
    return "\n".join(out) + "\n"


def subtitle_tracks(master: str) -> list[str]:
    """The tracks the master's SUBTITLES group has, by their folders' names."""
    return [_folder_of(line)[len(SUBTITLE_PREFIX):] for line in master.splitlines()
            if line.startswith(_MEDIA_SUBTITLES)]


def _folder_of(line: str) -> str:
    match = _URI.search(line)
    return match.group(1).rsplit("/", 1)[0] if match else ""


def _header_end(lines: list[str]) -> int:
    return next((i for i, line in enumerate(lines) if line.startswith("#EXT-X-STREAM-INF")),
                len(lines))


# --- a track's files ------------------------------------------------------------------------

@dataclass(frozen=True)
class VideoTiming:
    """What a subtitle rendition follows: the video's segments and first picture."""

    durations: tuple[float, ...]
    target_duration: int
    mpegts: int


def video_timing(playlist: MediaPlaylist, init_segment: bytes,
                 first_segment: bytes) -> VideoTiming:
    """From a rung's media playlist, its init segment and its first media segment;
    ValueError when they are not fMP4."""
    return VideoTiming(tuple(video_durations(playlist)), playlist.target_duration,
                       first_presentation_time(init_segment, first_segment))


def write_subtitle_rendition(folder: Path, cues: Sequence[Cue], timing: VideoTiming) -> None:
    """`folder`/index.m3u8 and its WebVTT segments (made, or emptied of old ones)."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    for index, text in enumerate(segment_cues(cues, timing.durations, timing.mpegts)):
        (folder / (SEGMENT_NAME % index)).write_text(text, encoding="utf-8")
    (folder / "index.m3u8").write_text(subtitle_playlist(timing.durations,
                                                         timing.target_duration))
