"""Splitting a long source in time, so that several tasks encode its ladder side by side.

Chunks begin where the one-pass ladder begins a segment (`SegmentGrid`), on a keyframe
anyway: each chunk's segments are then the one-pass segments with the same numbers, and
joining them is writing one playlist (transcoder/stitch.py). The first chunk is short: its
first segments are what make the movie playable, and a short chunk gets there first and
frees its cores for the rest.

How long the other chunks may be depends on the frame rate. ffmpeg's HLS muxer measures
segment lengths from its first frame, which in a chunk comes up to a frame after the
chunk's start (a frame seldom falls exactly on the grid at 29.97 fps), so a chunk is told
segments one frame shorter (chunk_command.py). Over `j` segments that margin grows to `j`
frames, and once it reaches a keyframe interval the muxer would cut a keyframe early:
hence at most `frames per keyframe interval - 2` segments a chunk.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

DEFAULT_THRESHOLD_SECONDS = 150.0  # shorter sources encode in one pass, in one task
# The first chunk makes the movie playable: with the one-pass ramp (2, 2, 4 s) it is three
# segments, 8 s, so that its task is done, and its segments listed, within seconds.
DEFAULT_FIRST_CHUNK_SECONDS = 8.0
DEFAULT_CHUNK_SECONDS = 120.0
DEFAULT_MAX_CHUNKS = 64


@dataclass(frozen=True)
class ChunkingPolicy:
    """When and how finely a source is split; a source is chunked only above the threshold,
    unless a chunk count is forced."""

    threshold_seconds: float = DEFAULT_THRESHOLD_SECONDS
    first_chunk_seconds: float = DEFAULT_FIRST_CHUNK_SECONDS  # rounded to whole segments
    chunk_seconds: float = DEFAULT_CHUNK_SECONDS  # the others, at most
    max_chunks: int = DEFAULT_MAX_CHUNKS


DEFAULT_POLICY = ChunkingPolicy()


@dataclass(frozen=True)
class SegmentGrid:
    """Where the one-pass ladder's segments end: at `ramp` first (the short segments that
    make a movie playable early), then at `base + k * period` for k = 1, 2, ..."""

    ramp: tuple[float, ...]
    base: float
    period: float

    def __post_init__(self) -> None:
        if self.period <= 0 or any(end >= self.base + self.period for end in self.ramp):
            raise ValueError("the ramp must end before the first whole period does")


@dataclass(frozen=True)
class Chunk:
    index: int
    start_seconds: float  # where a one-pass segment starts
    end_seconds: float | None  # exclusive; None: to the end of the source
    first_segment: int  # the number of its first segment in the whole ladder
    segments: int  # whole segments it holds; the last chunk may hold a shorter one more

    @property
    def label(self) -> str:
        end = "the end" if self.end_seconds is None else f"{self.end_seconds:g} s"
        return f"chunk {self.index} ({self.start_seconds:g} s to {end})"

    def seconds(self, source_seconds: float) -> float:
        end = source_seconds if self.end_seconds is None else self.end_seconds
        return max(0.0, end - self.start_seconds)


@dataclass(frozen=True)
class ChunkPlan:
    chunks: tuple[Chunk, ...]
    grid: SegmentGrid
    source_seconds: float

    @property
    def chunked(self) -> bool:
        return len(self.chunks) > 1


def max_segments_per_chunk(frame_rate: float, keyframe_seconds: float) -> int:
    """The most segments a chunk after the first may hold at this frame rate (see the
    module's docstring)."""
    return max(0, math.ceil(frame_rate * keyframe_seconds) - 2)


def plan_chunks(
    source_seconds: float,
    frame_rate: float,
    *,
    grid: SegmentGrid,
    keyframe_seconds: float,
    policy: ChunkingPolicy = DEFAULT_POLICY,
    chunk_count: int | None = None,
) -> ChunkPlan:
    """The chunks of a source: one when it is short, else a short first chunk and the rest
    in equal parts of whole segments; `chunk_count` forces how many (fewer when the source
    has too few segments). ValueError when a forced count would make chunks longer than the
    frame rate allows."""
    if source_seconds <= 0 or keyframe_seconds <= 0:
        raise ValueError("durations must be positive")
    ratio = grid.period / keyframe_seconds
    if abs(ratio - round(ratio)) > 1e-9:
        raise ValueError("segments must hold whole keyframe intervals to start on one")
    if chunk_count is not None and chunk_count < 1:
        raise ValueError("a chunk count must be at least 1")
    periods = max(1, math.ceil((policy.first_chunk_seconds - grid.base) / grid.period - 1e-9))
    first_end = grid.base + periods * grid.period
    # The last chunk keeps at least one whole segment: a boundary near the end could
    # fall past the frames the container's (perhaps estimated) duration promises.
    rest = math.floor((source_seconds - first_end) / grid.period + 1e-9)
    single = chunk_count == 1 or (chunk_count is None
                                  and source_seconds <= policy.threshold_seconds)
    most = max_segments_per_chunk(frame_rate, keyframe_seconds)
    if single or rest < 1 or most < 1:
        return ChunkPlan((Chunk(0, 0.0, None, 0, _whole(source_seconds, grid)),), grid,
                         source_seconds)
    if chunk_count is None:
        per_chunk = min(most, max(1, math.floor(policy.chunk_seconds / grid.period)))
        others = min(policy.max_chunks - 1, math.ceil(rest / per_chunk))
    else:
        others = min(chunk_count - 1, rest)
    sizes = _even_parts(rest, others)
    if max(sizes) > most:
        raise ValueError(f"{others + 1} chunks would hold {max(sizes)} segments; at "
                         f"{frame_rate:g} fps a chunk may hold at most {most}")
    first = Chunk(0, 0.0, first_end, 0, len(grid.ramp) + periods)
    return ChunkPlan((first, *_after(first, sizes, grid.period)), grid, source_seconds)


def _whole(source_seconds: float, grid: SegmentGrid) -> int:
    ramp = sum(1 for end in grid.ramp if end <= source_seconds + 1e-9)
    return ramp + max(0, math.floor((source_seconds - grid.base) / grid.period + 1e-9))


def _even_parts(total: int, parts: int) -> list[int]:
    """`total` split into `parts` whole numbers differing by one at most, larger first."""
    size, extra = divmod(total, parts)
    return [size + 1 if i < extra else size for i in range(parts)]


def _after(first: Chunk, sizes: list[int], period: float) -> list[Chunk]:
    assert first.end_seconds is not None
    chunks, start, segment = [], first.end_seconds, first.segments
    for index, size in enumerate(sizes, start=1):
        end = None if index == len(sizes) else start + size * period
        chunks.append(Chunk(index, start, end, segment, size))
        start, segment = start + size * period, segment + size
    return chunks
