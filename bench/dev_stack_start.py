"""`make run` from an existing venv to a healthy /api/health/, against starting moto alone."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import Measurement, free_port, measure, side_by_side
from devstack.emulator import start_moto

ROOT = Path(__file__).resolve().parent.parent
BANNER = "Reelstack is up"


def emulator_alone() -> tuple[float, int]:
    started = time.perf_counter()
    emulator = start_moto(f"http://127.0.0.1:{free_port()}")
    elapsed = time.perf_counter() - started
    emulator.stop()
    return elapsed, 0


def whole_stack() -> tuple[float, int]:
    env = {**os.environ, "AWS_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}",
           "REELSTACK_PREFIX": "reelstack-bench"}
    with tempfile.NamedTemporaryFile("w+") as log:
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "devstack.run", "--port", str(free_port()), "--ephemeral"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            while BANNER not in Path(log.name).read_text():
                if process.poll() is not None or time.perf_counter() - started > 60:
                    raise RuntimeError(Path(log.name).read_text())
                time.sleep(0.05)
            return time.perf_counter() - started, 0
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=30)


def run(runs: int = 3) -> tuple[Measurement, Measurement]:
    baseline = measure("moto's server alone", runs, emulator_alone)
    subject = measure("make run (emulator+stack+API)", runs, whole_stack)
    print(side_by_side("Dev stack: start to healthy", baseline, subject))
    return baseline, subject


if __name__ == "__main__":
    run()
