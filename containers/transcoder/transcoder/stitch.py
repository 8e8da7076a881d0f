"""Joining the chunks' HLS into the one ladder a one-pass encode would have written.

A chunk's segments already carry their final names (numbered on from the chunk before)
and decode times (see chunk_command.py), so a rendition is joined by moving every chunk's
segments into one folder beside the first chunk's init segment: the media playlist then
written over them (hls_output.write_media_playlists, as after a one-pass encode) has no
EXT-X-DISCONTINUITY, and a player reads it as a single encode. That holds only if the
chunks fit, which is checked before anything is moved: each chunk holds the segments the
plan gave it, its first one starts (in decode time) where the chunk before ended, it
lasts what the plan gave it, and its init segment is interchangeable with the first one
(the same boxes but for the edit list).
"""

from __future__ import annotations

import shutil
import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from transcoder.chunks import ChunkPlan
from transcoder.errors import TranscodeFailed
from transcoder.ffmpeg_command import INIT_NAME, SEGMENT_PATTERN
from transcoder.fmp4 import fragment_timing, track_timing

# Boxes that hold others (ISO/IEC 14496-12), walked to compare an init segment's leaves.
_CONTAINER_BOXES = frozenset({b"moov", b"trak", b"mdia", b"minf", b"stbl", b"mvex",
                              b"dinf", b"edts", b"udta"})
# The edit list says where a chunk's own first frame is shown: it differs from chunk to
# chunk by design and is not used past the first chunk's init segment.
_CHUNK_SPECIFIC_BOXES = frozenset({"edts"})
# Decode times are rounded into each track's timescale: a tick or two apart is one time.
TIME_TOLERANCE_SECONDS = 0.001


class ChunksDoNotFit(TranscodeFailed):
    """The chunks' outputs cannot be joined into one encode: a fault of the plan or the
    commands, not of the source or the machine, so running them again does not help."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, retryable=False)


@dataclass(frozen=True)
class Piece:
    """One chunk's output for one rendition: its folder and what the plan expected."""

    folder: Path
    first_segment: int
    segments: int  # whole segments; the last piece may hold a shorter one more
    seconds: float  # what it should last
    last: bool

    @property
    def name(self) -> str:
        return f"{self.folder.parent.name}/{self.folder.name}"


@dataclass(frozen=True)
class _Segment:
    path: Path
    start: float  # decode time of its first sample, seconds
    duration: float


def pieces_of(plan: ChunkPlan, chunk_folders: Sequence[Path], rendition: str) -> list[Piece]:
    """The pieces of `rendition` (a variant's folder name) in the chunks' output folders."""
    if len(chunk_folders) != len(plan.chunks):
        raise ValueError("one output folder per chunk")
    return [Piece(folder / rendition, chunk.first_segment, chunk.segments,
                  chunk.seconds(plan.source_seconds), chunk.end_seconds is None)
            for chunk, folder in zip(plan.chunks, chunk_folders, strict=True)]


def stitch_rendition(pieces: Sequence[Piece], output: Path, frame_seconds: float) -> None:
    """Check that `pieces` fit (ChunksDoNotFit saying why not), then move their segments
    and the first init segment into `output`. `frame_seconds` is how far a piece's length
    may stray from the plan's (a chunk starts on the first frame at or after its start)."""
    inits = [_init_segment(piece) for piece in pieces]
    for piece, init in zip(pieces, inits, strict=True):  # first: it sets the timescale
        difference = init_difference(inits[0].read_bytes(), init.read_bytes())
        if difference:
            raise ChunksDoNotFit(f"{piece.name}: its init segment differs from the first "
                                 f"chunk's in {difference}")
    scanned = [_segments(piece, init) for piece, init in zip(pieces, inits, strict=True)]
    ends_at = 0.0
    for piece, segments in zip(pieces, scanned, strict=True):
        _require_fit(piece, segments, ends_at, frame_seconds)
        ends_at = segments[-1].start + segments[-1].duration
    output.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(inits[0], output / inits[0].name)
    for segments in scanned:
        for segment in segments:
            shutil.move(segment.path, output / segment.path.name)


def _init_segment(piece: Piece) -> Path:
    stem, _, suffix = INIT_NAME.rpartition(".")
    # "init.mp4", or "init_<variant index>.mp4" when ffmpeg writes several variants.
    found = sorted(piece.folder.glob(f"{stem}*.{suffix}"))
    if len(found) != 1:
        raise ChunksDoNotFit(f"{piece.name}: {len(found)} init segments where one was due")
    return found[0]


def _segments(piece: Piece, init: Path) -> list[_Segment]:
    """The piece's segments from its first number on, timed by their own fragments."""
    try:
        track = track_timing(init.read_bytes())
        found, number = [], piece.first_segment
        while (path := piece.folder / (SEGMENT_PATTERN % number)).exists():
            timing = fragment_timing(path.read_bytes(), track)
            found.append(_Segment(path, timing.start, timing.duration))
            number += 1
    except (OSError, ValueError) as error:
        raise ChunksDoNotFit(f"{piece.name}: unreadable output: {error}") from error
    return found


def _require_fit(piece: Piece, segments: list[_Segment], ends_at: float,
                 frame_seconds: float) -> None:
    counts = (piece.segments, piece.segments + 1) if piece.last else (piece.segments,)
    if len(segments) not in counts:
        raise ChunksDoNotFit(
            f"{piece.name}: {len(segments)} segments from number {piece.first_segment} where "
            f"the plan has {piece.segments}{' or one more' if piece.last else ''}")
    if abs(segments[0].start - ends_at) > TIME_TOLERANCE_SECONDS:
        raise ChunksDoNotFit(f"{piece.name}: starts at {segments[0].start:.6f} s where the "
                             f"chunk before ends at {ends_at:.6f} s")
    lasts = sum(segment.duration for segment in segments)
    # The last piece ends where the source does, which its container may only estimate;
    # its task has checked that it decoded that far.
    if not piece.last and abs(lasts - piece.seconds) > frame_seconds + TIME_TOLERANCE_SECONDS:
        raise ChunksDoNotFit(f"{piece.name}: lasts {lasts:.3f} s where the plan has "
                             f"{piece.seconds:.3f} s")


def init_difference(first: bytes, other: bytes) -> str:
    """'' when `other` can stand in for init segment `first`, else the boxes that differ."""
    mine, theirs = dict(_leaf_boxes(first)), dict(_leaf_boxes(other))
    differing = sorted(path for path in mine.keys() | theirs.keys()
                       if mine.get(path) != theirs.get(path)
                       and not _CHUNK_SPECIFIC_BOXES & set(path.split("/")))
    return ", ".join(differing)


def _leaf_boxes(data: bytes, path: str = "", start: int = 0,
                end: int | None = None) -> Iterator[tuple[str, bytes]]:
    """(path, payload) of every box that holds no others; repeated paths get an index."""
    end = len(data) if end is None else end
    seen: dict[str, int] = {}
    offset = start
    while offset + 8 <= end:
        size, kind = struct.unpack(">I4s", data[offset:offset + 8])
        header = 8
        if size == 1 and offset + 16 <= end:
            size, header = struct.unpack(">Q", data[offset + 8:offset + 16])[0], 16
        elif size == 0:
            size = end - offset
        if size < header or offset + size > end:
            yield f"{path}/<truncated>", data[offset:end]
            return
        name = kind.decode("latin-1")
        seen[name] = seen.get(name, 0) + 1
        here = f"{path}/{name}" + (f"[{seen[name]}]" if seen[name] > 1 else "")
        if kind in _CONTAINER_BOXES:
            yield from _leaf_boxes(data, here, offset + header, offset + size)
        else:
            yield here, data[offset + header:offset + size]
        offset += size
