"""Login latency (p50/p95), in-process and over HTTP, against the Argon2id check alone.

The baseline is the floor every login pays: one password verification. The ratio says
what the rest (throttle counter, user lookup, refresh family, signing) adds to it.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
RUNS = 40
EMAIL, PASSWORD = "bench@example.com", "bench passphrase"


def timed(runs: int, once: Callable[[], object]) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        once()
        samples.append(time.perf_counter() - started)
    return samples


def report(name: str, samples: list[float], baseline: float) -> None:
    p50 = statistics.median(samples)
    p95 = statistics.quantiles(samples, n=20)[-1]
    print(f"  {name:34} p50 {p50 * 1000:7.1f}ms  p95 {p95 * 1000:7.1f}ms  "
          f"ratio {p50 / baseline:5.2f}x")


def main() -> None:
    os.environ.update({"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                       "REELSTACK_PREFIX": "reelstack-bench", "REELSTACK_LOG_LEVEL": "ERROR"})
    from bench.dev_stack_start import free_port
    from chalicelib.auth.passwords import hash_password, password_matches
    from chalicelib.core.settings import reload_settings
    from devstack.deploy import deploy_stack
    from devstack.emulator import start_moto
    from devstack.environment import use_local_environment

    emulator = start_moto(f"http://127.0.0.1:{free_port()}")
    os.environ["AWS_ENDPOINT_URL"] = emulator.endpoint
    use_local_environment()
    deploy_stack(reload_settings())
    from chalice.test import Client

    from chalicelib.auth.service import ensure_admin
    ensure_admin(EMAIL, PASSWORD)
    encoded = hash_password(PASSWORD)
    floor = statistics.median(timed(RUNS, lambda: password_matches(PASSWORD, encoded)))
    print("\nLogin latency")
    print(f"  {'Argon2id verify alone (baseline)':34} p50 {floor * 1000:7.1f}ms")
    body = {"email": EMAIL, "password": PASSWORD}
    raw = json.dumps(body).encode()
    with Client(importlib.import_module("app").app, stage_name="local") as client:
        report("POST /auth/login/ in-process", timed(RUNS, lambda: client.http.post(
            "/auth/login/", headers={"Content-Type": "application/json"}, body=raw)), floor)
    port = free_port()
    with tempfile.NamedTemporaryFile("w+") as log:
        stack = subprocess.Popen([sys.executable, "-m", "devstack.run", "--port", str(port)],
                                 cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        try:
            while "Reelstack is up" not in Path(log.name).read_text():
                time.sleep(0.1)
            session = requests.Session()
            url = f"http://127.0.0.1:{port}/auth/login/"
            report("POST /auth/login/ over HTTP", timed(
                RUNS, lambda: session.post(url, json=body, timeout=10).raise_for_status()), floor)
        finally:
            stack.send_signal(signal.SIGINT)
            stack.wait(timeout=30)
            emulator.stop()


if __name__ == "__main__":
    main()
