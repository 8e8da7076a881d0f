"""Shared by the benchmarks: run a thing several times, print it beside its baseline."""

from __future__ import annotations

import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from devstack.emulator import Emulator


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


BENCH_ENV = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
             "REELSTACK_PREFIX": "reelstack-bench", "REELSTACK_LOG_LEVEL": "ERROR",
             "REELSTACK_REQUESTS_PER_MINUTE": "100000"}
ROOT = Path(__file__).resolve().parent.parent
READY_BANNER = "Reelstack is up"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def timed(runs: int, call: Callable[[], object]) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return samples


def percentiles(samples: list[float]) -> tuple[float, float]:
    """(p50, p99) in seconds."""
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


@contextmanager
def bench_emulator() -> Iterator[str]:
    """A fresh moto server with the stack deployed, this process pointed at it; or, with
    BENCH_ENDPOINT set, that emulator (LocalStack: DynamoDB Local has real indexes, where
    moto's Query walks the whole table)."""
    with deployed_emulator() as emulator:
        yield emulator.endpoint


@contextmanager
def deployed_emulator(state_dir: Path | None = None) -> Iterator[Emulator]:
    """bench_emulator's emulator itself: its process (None for BENCH_ENDPOINT's) is what a
    bench reads the emulator's memory from. With `state_dir` it keeps its state there as
    `make run`'s does (snapshots)."""
    os.environ.update(BENCH_ENV)
    from chalicelib.core.settings import reload_settings
    from devstack.deploy import deploy_stack
    from devstack.emulator import Emulator, EmulatorKind, start_moto
    from devstack.environment import use_local_environment

    given = os.environ.get("BENCH_ENDPOINT")
    emulator = (Emulator(given, EmulatorKind.UNKNOWN) if given
                else start_moto(f"http://127.0.0.1:{free_port()}", state_dir=state_dir))
    os.environ["AWS_ENDPOINT_URL"] = emulator.endpoint
    use_local_environment()
    deploy_stack(reload_settings())
    try:
        yield emulator
    finally:
        emulator.stop()


@contextmanager
def running_api(timeout: float = 60) -> Iterator[str]:
    """`make run` on the emulator this process uses; yields the API's base URL."""
    port = free_port()
    with tempfile.NamedTemporaryFile("w+") as log:
        # No web player: its default port may be someone's `make run`, and no bench needs it.
        stack = subprocess.Popen([sys.executable, "-m", "devstack.run", "--port", str(port),
                                  "--web-port", "0"],
                                 cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + timeout
            while READY_BANNER not in Path(log.name).read_text():
                if stack.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(Path(log.name).read_text())
                time.sleep(0.05)
            yield f"http://127.0.0.1:{port}"
        finally:
            stack.send_signal(signal.SIGINT)
            stack.wait(timeout=30)
