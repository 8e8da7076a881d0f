"""How hard each rung's x264 works, and how many threads it gets.

Measured with bench/transcode_ladder.py (numbers in EncoderSettings' docstring): the
picture's size decides what pays. The top rung is held down by its bit-rate cap on hard
content, so spending more analysis on it buys little; the small rungs are not, and they
cost a fraction of its pixels.

Tried since and left out (the bench source's first 20 s unless said, CPU medians of 2-3
interleaved runs on the shared 2-core box; PSNR and bytes against these settings):
intra 4x4 only ("partitions=i4x4", no 8x8 intra search) saves 3-6% of the ladder's CPU,
-0.02 dB at 480p and 720p with +3% bytes, but -0.29 dB at 1080p over 60 s (the 1080p
rung has 0.13 dB left); without deblocking, -0.13 dB on the small rungs for no CPU the
runs could tell apart; without macroblock-tree or adaptive quantization the small rungs
take 60-130% more bytes. Scaling 480p from the 720p picture instead of the source saves
3% (zimg reads fewer pixels), but the twice scaled picture is only 56 dB from the
source's own bicubic 480p, and that error adds to the encoder's: -0.31 dB. One decoding
thread instead of frame threads: 5% less CPU for decoding alone, lost in the noise of
the whole ladder.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from transcoder.ladder import Rung

# Every rung gets the same B-frames, so the muxer shifts every stream alike (the decode
# delay x264's reordering adds; chunk_command.py probes that shift on a tiny rung, which
# must behave as the big ones do): one B-frame, every other frame, placed by rule rather
# than chosen ("b-adapt 0"). Against x264's 3 and the 2 used before, both chosen by
# "b-adapt 1", x264 has no B-frame decision to weigh and fewer B-frames to analyse, and
# on both bench sources the pictures came out no worse, better at the capped 1080p rung
# (its bits are fixed, and B-frames are quantized coarser than P-frames). testsrc2, 60 s,
# against the usual pipeline: 2 chosen -> 1 chosen -> 1 by rule, 1080p -0.37 -> -0.24 ->
# -0.06 dB, 720p -0.29 -> -0.28 -> -0.39 dB (for 3% fewer bytes), 480p -0.28 -> -0.20 ->
# -0.29 dB (3% fewer bytes), all bytes 107% -> 107% -> 106%, CPU time 53.3 -> 50.3 ->
# 47.9 s. A grainy Mandelbrot zoom, 20 s: 1 chosen against 2, +1.44 dB at the capped
# 1080p for the same bytes, +0.42 dB at 480p for 9% more; 1 by rule against 1 chosen,
# the same within 0.03 dB and bytes, for 9% less CPU.
B_FRAMES = 1
B_FRAME_STRATEGY = 0  # x264's b-adapt: 0 places them by rule


@dataclass(frozen=True)
class X264Tuning:
    """One rung's x264: a preset, its quality target and options over the preset."""

    preset: str
    crf: float
    params: str = ""  # "key=value:..." as -x264-params takes them

    def arguments(self, stream: int) -> list[str]:
        """Options for output video stream `stream` (ffmpeg's `:v:N` specifier)."""
        return [f"-preset:v:{stream}", self.preset, f"-crf:v:{stream}", f"{self.crf:g}",
                *([f"-x264-params:v:{stream}", self.params] if self.params else [])]


# (smallest short side, tuning), ascending; the first entry starts at 0 so every rung
# has one. Below "veryfast": diamond motion search and the cheapest subpixel refinement
# (its two dearest analyses at this speed).
DEFAULT_TUNINGS: tuple[tuple[int, X264Tuning], ...] = (
    (0, X264Tuning("veryfast", 21, "me=dia:subme=1:rc-lookahead=5")),
    # 720p spends its bits less well than 480p at the same CRF: half a step fewer.
    (720, X264Tuning("veryfast", 21.5, "me=dia:subme=1:rc-lookahead=5")),
    # Near its cap, a longer lookahead lets macroblock-tree move bits the cap then takes
    # back: 2 frames measured 0.2 dB above 10, for less CPU.
    (1080, X264Tuning("veryfast", 21, "me=dia:subme=1:rc-lookahead=2")),
)


def tuning_for(rung: Rung, tunings: Sequence[tuple[int, X264Tuning]]) -> X264Tuning:
    """The tuning of the largest size class the rung's short side reaches."""
    short_side = min(rung.width, rung.height)
    fitting = [tuning for side, tuning in tunings if side <= short_side]
    if not fitting:
        raise ValueError(f"no x264 tuning for a {short_side}p rung")
    return fitting[-1]


def encoder_threads(rungs: Sequence[Rung], budget: int) -> list[int]:
    """x264 threads per rung: `budget` shared in proportion to pixels, at least one each.

    Each x264 runs beside the others, so they need no frame threads of their own to fill
    the cores: x264's own choice (1.5 x every core, for each of them) costs CPU time in
    synchronisation and loses efficiency to frame threads (on 2 cores one thread each
    measured about 3% less CPU for the ladder and +0.1 dB on its 1080p rung)."""
    pixels = [rung.width * rung.height for rung in rungs]
    total = sum(pixels) or 1
    return [max(1, round(budget * share / total)) for share in pixels]


def default_thread_budget(cores: int) -> int:
    """The x264s' threads for a task with `cores`: one more than the cores. The rungs'
    x264s, the decoder and the scalers run beside one another, linked by ffmpeg's short
    queues, and with exactly one thread per core a core stood idle 9% of the time (on 2
    cores, 1.81 of them busy) while one stage waited for another; the spare thread goes
    to the largest rung (its share of the pixels), whose second frame thread fills those
    gaps: 1.96 cores busy, the ladder 5% sooner for 2% more CPU time."""
    return cores + 1


def available_cores() -> int:
    """The cores this process may run on (a task's CPU set, not the host's)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
