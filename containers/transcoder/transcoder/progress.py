"""Percent done from ffmpeg's `-progress pipe:1` output, passed on at most every interval.

ffmpeg writes blocks of `key=value` lines, each closed by `progress=continue` (or `=end`);
`out_time_us` is how far into the output it has got, "N/A" before the first packet.
"""

from __future__ import annotations

import time
from collections.abc import Callable

REPORT_INTERVAL_SECONDS = 2.0

ProgressCallback = Callable[[float], None]


def percent_done(out_time_us: int, duration_seconds: float) -> float:
    if duration_seconds <= 0:
        return 0.0
    return round(min(max(out_time_us / 1e6 / duration_seconds * 100, 0.0), 100.0), 1)


class ProgressReader:
    """Feed it ffmpeg's progress lines; it calls `on_progress(percent)` for the first block
    at once (the job has started) and then no more often than every `interval` seconds."""

    def __init__(
        self,
        duration_seconds: float,
        on_progress: ProgressCallback,
        *,
        interval: float = REPORT_INTERVAL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._duration = duration_seconds
        self._on_progress = on_progress
        self._interval = interval
        self._clock = clock
        self._out_time_us: int | None = None
        self._last_report: float | None = None

    @property
    def reached_seconds(self) -> float | None:
        """How far into the output ffmpeg has got; None before it wrote anything."""
        return None if self._out_time_us is None else self._out_time_us / 1e6

    def feed(self, line: str) -> None:
        key, _, value = line.strip().partition("=")
        if key == "out_time_us":
            # "N/A" before the first packet; a large negative number in some versions.
            if value.lstrip("-").isdigit() and int(value) >= 0:
                self._out_time_us = int(value)
        elif key == "progress" and self._out_time_us is not None:
            self._maybe_report(percent_done(self._out_time_us, self._duration))

    def _maybe_report(self, percent: float) -> None:
        now = self._clock()
        if self._last_report is not None and now - self._last_report < self._interval:
            return
        self._last_report = now
        self._on_progress(percent)
