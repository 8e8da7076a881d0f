"""Which renditions a source gets: 480p, 720p and 1080p, never above the source itself.

A rung's "p" number is the picture's short side, as players and sites name them, so a
portrait phone video's 720p is 720 wide and 1280 high rather than a 405-wide sliver.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from transcoder.source import SourceInfo

# Short side -> peak video bit rate (kbit/s) at up to 30 fps; the caps of Apple's HLS
# authoring table for H.264, which constant-quality encoding stays under for most content.
STANDARD_RUNGS: tuple[tuple[int, int], ...] = ((480, 1600), (720, 3200), (1080, 6000))
HIGH_FRAME_RATE = 31.0  # above this (50/60 fps) a rung gets half again as many bits
# Slow-motion phone clips come at 120 or 240 fps: players and H.264 levels stop at 60.
MAX_FRAME_RATE = 60.0
HIGH_FRAME_RATE_FACTOR = 1.5
MIN_SMALL_RUNG_KBPS = 300
# The decoder's buffer: peaks of twice the cap over one keyframe interval are fine for
# 6-second segments and keep constant-quality encoding from being strangled on hard scenes.
BUFFER_FACTOR = 2


@dataclass(frozen=True)
class Rung:
    name: str  # "720p": names the variant's folder and what the catalog shows
    width: int
    height: int
    maxrate_kbps: int
    bufsize_kbps: int


@dataclass(frozen=True)
class RenditionLadder:
    rungs: tuple[Rung, ...]
    frame_rate: float  # of every rung
    audio: bool
    source_frame_rate: float | None = None  # set when frames are dropped to frame_rate


def plan_ladder(source: SourceInfo) -> RenditionLadder:
    """Every standard rung the source can fill; a source below the lowest gets one rung of
    its own size, since upscaling adds bytes and no picture."""
    frame_rate = output_frame_rate(source.frame_rate)
    short_side = min(source.width, source.height)
    fitting = [(side, kbps) for side, kbps in STANDARD_RUNGS if side <= short_side]
    if fitting:
        rungs = tuple(_rung(source, side, kbps, frame_rate) for side, kbps in fitting)
    else:
        side = _even_down(short_side)
        lowest_side, lowest_kbps = STANDARD_RUNGS[0]
        # Bits scale with pixels: a 360p rung gets (360/480)^2 of the 480p cap.
        kbps = max(MIN_SMALL_RUNG_KBPS, round(lowest_kbps * (side / lowest_side) ** 2))
        rungs = (_rung(source, side, kbps, frame_rate),)
    resampled = source.frame_rate if frame_rate != source.frame_rate else None
    return RenditionLadder(rungs=rungs, frame_rate=frame_rate, audio=source.has_audio,
                           source_frame_rate=resampled)


def output_frame_rate(source_rate: float) -> float:
    """The source's rate, or a whole fraction of it at most 60 fps (120 -> 60, 100 -> 50)."""
    return source_rate / math.ceil(source_rate / MAX_FRAME_RATE) if source_rate > MAX_FRAME_RATE \
        else source_rate


def _rung(source: SourceInfo, short_side: int, base_kbps: int, frame_rate: float) -> Rung:
    long_side = max(source.width, source.height) * short_side / min(source.width, source.height)
    # Nearest even size, yet never wider than the source (a 1279-wide 720p stays 1278).
    long_even = min(_even_nearest(long_side), _even_down(max(source.width, source.height)))
    landscape = source.width >= source.height
    width, height = (long_even, short_side) if landscape else (short_side, long_even)
    factor = HIGH_FRAME_RATE_FACTOR if frame_rate > HIGH_FRAME_RATE else 1.0
    maxrate = round(base_kbps * factor)
    return Rung(name=f"{short_side}p", width=width, height=height, maxrate_kbps=maxrate,
                bufsize_kbps=maxrate * BUFFER_FACTOR)


def _even_nearest(value: float) -> int:
    # H.264 in 4:2:0 needs even sizes; round half up, not to the nearest even integer.
    return max(2, int(value / 2 + 0.5) * 2)


def _even_down(value: int) -> int:
    return max(2, value - value % 2)
