"""Shared by the benchmarks: run a thing several times, print it beside its baseline."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Measurement:
    name: str
    seconds: list[float]
    peak_kib: list[int]

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def peak(self) -> str:
        peak = max(self.peak_kib, default=0)
        return f"{peak / 1024:8.1f}MB" if peak else f"{'-':>10}"


def measure(name: str, runs: int, once: Callable[[], tuple[float, int]]) -> Measurement:
    results = [once() for _ in range(runs)]
    return Measurement(name, [r[0] for r in results], [r[1] for r in results])


def side_by_side(title: str, baseline: Measurement, subject: Measurement) -> str:
    ratio = subject.median / baseline.median if baseline.median else float("inf")
    rows = [
        f"\n{title}",
        f"  {'':34} {'median':>10} {'min':>10} {'max':>10} {'peak RSS':>10}",
    ]
    for m in (baseline, subject):
        rows.append(
            f"  {m.name:34} {m.median * 1000:8.0f}ms {min(m.seconds) * 1000:8.0f}ms "
            f"{max(m.seconds) * 1000:8.0f}ms {m.peak}"
        )
    rows.append(f"  ratio (subject / baseline): {ratio:.2f}x")
    return "\n".join(rows)
