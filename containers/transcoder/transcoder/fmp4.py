"""Reading timing from fragmented MP4 (CMAF): a track's timescale from its init segment,
and a media segment's start and duration from its fragments.

The transcoder writes its media playlists from the segments themselves rather than from
ffmpeg's playlist: ffmpeg lists only its latest segment (see ffmpeg_command._hls_muxer),
and a segment's own sample table is the exact record of how long it plays.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass

# Boxes that hold other boxes on the paths read here (ISO/IEC 14496-12).
_CONTAINERS = frozenset({b"moov", b"trak", b"mdia", b"mvex", b"moof", b"traf"})
# tfhd flags: which optional fields follow the track id.
_TFHD_BASE_DATA_OFFSET, _TFHD_DESCRIPTION_INDEX = 0x01, 0x02
_TFHD_DEFAULT_DURATION = 0x08
# trun flags: which optional fields there are, before the table and in each of its rows.
_TRUN_DATA_OFFSET, _TRUN_FIRST_FLAGS = 0x01, 0x04
_TRUN_DURATION, _TRUN_SIZE, _TRUN_FLAGS, _TRUN_COMPOSITION = 0x100, 0x200, 0x400, 0x800


@dataclass(frozen=True)
class TrackTiming:
    """From an init segment: ticks per second and the default sample duration (trex)."""

    timescale: int
    default_duration: int


@dataclass(frozen=True)
class FragmentTiming:
    start: float  # seconds: the first sample's decode time (tfdt)
    duration: float  # seconds: all the segment's samples together


def track_timing(init_segment: bytes) -> TrackTiming:
    """The first track's timing; ValueError when the bytes are no fMP4 init segment."""
    timescale = default_duration = None
    for kind, body in _walk(init_segment):
        if kind == b"mdhd" and timescale is None:
            version = body[0]
            offset = 4 + (16 if version == 1 else 8)  # creation and modification times
            (timescale,) = struct.unpack_from(">I", body, offset)
        elif kind == b"trex" and default_duration is None:
            (default_duration,) = struct.unpack_from(">I", body, 12)
    if not timescale:
        raise ValueError("no mdhd box with a timescale: not an init segment")
    return TrackTiming(timescale, default_duration or 0)


def fragment_timing(segment: bytes, track: TrackTiming) -> FragmentTiming:
    """Start and duration of a media segment (one or more moof/mdat pairs of one track);
    ValueError when it holds no fragment."""
    start, ticks, default = None, 0, track.default_duration
    for kind, body in _walk(segment):
        if kind == b"tfhd":
            default = _tfhd_default_duration(body) or track.default_duration
        elif kind == b"tfdt" and start is None:
            start = struct.unpack_from(">Q" if body[0] == 1 else ">I", body, 4)[0]
        elif kind == b"trun":
            ticks += _trun_ticks(body, default)
    if start is None:
        raise ValueError("no tfdt box: not a media segment")
    return FragmentTiming(start / track.timescale, ticks / track.timescale)


def _tfhd_default_duration(body: bytes) -> int | None:
    flags = int.from_bytes(body[1:4], "big")
    if not flags & _TFHD_DEFAULT_DURATION:
        return None
    offset = 8  # version and flags, track id
    offset += 8 if flags & _TFHD_BASE_DATA_OFFSET else 0
    offset += 4 if flags & _TFHD_DESCRIPTION_INDEX else 0
    return int(struct.unpack_from(">I", body, offset)[0])


def _trun_ticks(body: bytes, default_duration: int) -> int:
    flags = int.from_bytes(body[1:4], "big")
    (count,) = struct.unpack_from(">I", body, 4)
    if not flags & _TRUN_DURATION:
        return int(count * default_duration)
    offset = 8 + (4 if flags & _TRUN_DATA_OFFSET else 0) + (4 if flags & _TRUN_FIRST_FLAGS else 0)
    row = 4 * sum(1 for bit in (_TRUN_DURATION, _TRUN_SIZE, _TRUN_FLAGS, _TRUN_COMPOSITION)
                  if flags & bit)
    if offset + count * row > len(body):
        raise ValueError("a trun box shorter than its sample count")
    return sum(struct.unpack_from(">I", body, offset + i * row)[0] for i in range(count))


def _walk(data: bytes, start: int = 0, end: int | None = None) -> Iterator[tuple[bytes, bytes]]:
    """Every box under the containers above, depth first, as (type, body)."""
    end = len(data) if end is None else end
    while start + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, start)
        header = 8
        if size == 1:  # a 64-bit size follows the type
            (size,) = struct.unpack_from(">Q", data, start + 8)
            header = 16
        elif size == 0:  # to the end of the file
            size = end - start
        if size < header or start + size > end:
            raise ValueError(f"a {kind!r} box runs past its parent: a file cut short")
        if kind in _CONTAINERS:
            yield from _walk(data, start + header, start + size)
        else:
            yield kind, data[start + header:start + size]
        start += size
