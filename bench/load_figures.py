"""The dev-stack load bench's figures (bench/dev_stack_load.py): outcomes, percentiles,
requests/s, the emulator's memory from /proc, the issue's targets and the side-by-side
table. Plain arithmetic on what the bench measured, so it is tested without a stack."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from bench.common import percentiles

# The targets: 3x the baseline's throughput, no errors, no slowdown after the extra
# heartbeats (within the noise of a shared 2-core machine), emulator growth under 50 MB.
THROUGHPUT_TARGET = 3.0
SLOWDOWN_TOLERANCE = 0.10
GROWTH_TARGET_MB = 50.0


class Outcome(Enum):
    OK = "ok"
    THROTTLED = "429"
    ERROR = "error"


def outcome_of(status: int | None) -> Outcome:
    """`status` None: the request got no answer (refused, reset, timed out)."""
    if status is not None and 200 <= status < 300:
        return Outcome.OK
    if status == 429:
        return Outcome.THROTTLED
    return Outcome.ERROR


@dataclass(frozen=True)
class Sample:
    kind: str  # "catalog" or "heartbeat"
    seconds: float
    outcome: Outcome


@dataclass(frozen=True)
class KindFigures:
    count: int
    p50: float
    p99: float
    throttled: int
    errors: int


@dataclass(frozen=True)
class PhaseFigures:
    seconds: float
    kinds: dict[str, KindFigures]

    @property
    def requests(self) -> int:
        return sum(k.count for k in self.kinds.values())

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        return sum(k.errors for k in self.kinds.values())

    @property
    def throttled(self) -> int:
        return sum(k.throttled for k in self.kinds.values())


def phase_figures(samples: Sequence[Sample], seconds: float) -> PhaseFigures:
    """Latency over every answer of a kind (a fast 429 or 500 is still a request served)."""
    kinds: dict[str, KindFigures] = {}
    for kind in sorted({s.kind for s in samples}):
        mine = [s for s in samples if s.kind == kind]
        p50, p99 = percentiles([s.seconds for s in mine])
        kinds[kind] = KindFigures(
            len(mine), p50, p99, sum(s.outcome is Outcome.THROTTLED for s in mine),
            sum(s.outcome is Outcome.ERROR for s in mine))
    return PhaseFigures(seconds, kinds)


@dataclass(frozen=True)
class MailRun:
    """One `make mail`: how long it took, and whether it failed (an error, or too long)."""

    seconds: float
    failed: bool = False

    def __str__(self) -> str:
        return f"failed {self.seconds:.1f}" if self.failed else f"{self.seconds:.2f}"


@dataclass(frozen=True)
class HeartbeatBurst:
    """The extra heartbeats: `wanted`, of which `sent` before the time cap, `failures` of them
    refused or lost."""

    wanted: int
    sent: int
    seconds: float
    failures: int

    @property
    def per_second(self) -> float:
        return ratio(self.sent, self.seconds)

    @property
    def complete(self) -> bool:
        return self.sent >= self.wanted


@dataclass(frozen=True)
class ModeFigures:
    name: str
    fresh: PhaseFigures
    loaded: PhaseFigures  # the same load after the extra heartbeats
    extra: HeartbeatBurst
    rss_kib: tuple[int, int] | None  # the emulator's, before the load and after it all
    mail: tuple[MailRun, MailRun]  # `make mail`, before the load and after it all

    @property
    def growth_mb(self) -> float | None:
        return None if self.rss_kib is None else (self.rss_kib[1] - self.rss_kib[0]) / 1024

    @property
    def slowdown(self) -> float:
        """Requests/s after the extra heartbeats against before (1.0: none; 0.5: half)."""
        return ratio(self.loaded.per_second, self.fresh.per_second)


def ratio(subject: float, baseline: float) -> float:
    return subject / baseline if baseline else float("inf")


def vm_rss_kib(status_text: str) -> int:
    """VmRSS from a /proc/<pid>/status text (0 for a process that has none: a zombie)."""
    for line in status_text.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def process_tree_rss_kib(pid: int, proc: Path = Path("/proc")) -> int:
    """RSS of a process and its descendants (should the emulator ever start helpers)."""
    parents: dict[int, int] = {}
    for stat in proc.glob("[0-9]*/stat"):
        try:  # "pid (comm) state ppid ...": comm may hold spaces, so split after ')'
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue  # it exited meanwhile
    tree, grown = {pid}, True
    while grown:
        more = {child for child, parent in parents.items() if parent in tree} - tree
        tree |= more
        grown = bool(more)
    total = 0
    for member in tree:
        try:
            total += vm_rss_kib((proc / str(member) / "status").read_text())
        except OSError:
            continue
    return total


def target_lines(baseline: ModeFigures, current: ModeFigures) -> list[str]:
    """The issue's four targets, each with its figure and whether this run met it."""
    speedup = ratio(current.fresh.per_second, baseline.fresh.per_second)
    errors = current.fresh.errors + current.loaded.errors
    growth = current.growth_mb
    checks = [
        (speedup >= THROUGHPUT_TARGET,
         f"requests/s {speedup:.2f}x the baseline (target >= {THROUGHPUT_TARGET:.0f}x)"),
        (errors == 0, f"errors {errors} (target 0)"),
        (current.slowdown >= 1 - SLOWDOWN_TOLERANCE and current.extra.complete,
         f"after {_sent(current.extra)} heartbeats {current.slowdown:.2f}x the "
         f"requests/s of before (target >= {1 - SLOWDOWN_TOLERANCE:.2f}x: no slowdown)"),
        (growth is not None and growth < GROWTH_TARGET_MB,
         f"emulator growth {'unknown' if growth is None else f'{growth:.1f} MB'} "
         f"(target < {GROWTH_TARGET_MB:.0f} MB)"),
    ]
    return [f"  [{'met' if met else 'MISSED'}] {text}" for met, text in checks]


def comparison(baseline: ModeFigures, current: ModeFigures) -> str:
    """Both modes side by side, with current / baseline for each figure."""
    lines = [f"  {'':30} {baseline.name:>16} {current.name:>16} {'ratio':>8}"]

    def row(label: str, old: float | None, new: float | None, shape: str = "{:.1f}") -> None:
        cells = [shape.format(v) if v is not None else "-" for v in (old, new)]
        share = f"{ratio(new, old):.2f}x" if old and new is not None else ""
        lines.append(f"  {label:30} {cells[0]:>16} {cells[1]:>16} {share:>8}")

    def phase(title: str, old: PhaseFigures, new: PhaseFigures) -> None:
        row(f"{title}: requests/s", old.per_second, new.per_second)
        for kind in sorted(set(old.kinds) | set(new.kinds)):
            for label in ("p50", "p99"):
                row(f"{title}: {kind} {label} ms", _latency_ms(old, kind, label),
                    _latency_ms(new, kind, label))
        cells = [f"{p.errors} / {p.throttled}" for p in (old, new)]
        lines.append(f"  {title + ': errors / 429s':30} {cells[0]:>16} {cells[1]:>16}")

    phase("fresh", baseline.fresh, current.fresh)
    phase(f"after +{current.extra.sent}", baseline.loaded, current.loaded)
    row("slowdown (after/fresh req/s)", baseline.slowdown, current.slowdown, "{:.2f}")
    row("extra heartbeats sent", baseline.extra.sent, current.extra.sent, "{:.0f}")
    row("extra heartbeats/s", baseline.extra.per_second, current.extra.per_second, "{:.0f}")
    row("extra heartbeats failed", baseline.extra.failures, current.extra.failures, "{:.0f}")
    for index, moment in enumerate(("before", "after")):
        row(f"emulator RSS {moment} MB", _rss_mb(baseline, index), _rss_mb(current, index),
            "{:.0f}")
    row("emulator growth MB", baseline.growth_mb, current.growth_mb)
    for index, moment in enumerate(("before", "after")):
        old_mail, new_mail = baseline.mail[index], current.mail[index]
        share = ("" if old_mail.failed or new_mail.failed
                 else f"{ratio(new_mail.seconds, old_mail.seconds):.2f}x")
        lines.append(f"  {'make mail ' + moment + ' s':30} {old_mail!s:>16} {new_mail!s:>16} "
                     f"{share:>8}")
    return "\n".join(lines)


def _sent(burst: HeartbeatBurst) -> str:
    return str(burst.sent) if burst.complete else f"only {burst.sent} of {burst.wanted}"


def _latency_ms(figures: PhaseFigures, kind: str, which: str) -> float | None:
    found = figures.kinds.get(kind)
    return None if found is None else 1000 * (found.p50 if which == "p50" else found.p99)


def _rss_mb(mode: ModeFigures, index: int) -> float | None:
    return None if mode.rss_kib is None else mode.rss_kib[index] / 1024
