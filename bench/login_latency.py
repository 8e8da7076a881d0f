"""Login latency (p50/p95), in-process and over HTTP, against the Argon2id check alone.

The baseline is the floor every login pays: one password verification. The ratio says
what the rest (throttle counter, user lookup, refresh family, signing) adds to it.
"""

from __future__ import annotations

import importlib
import json
import statistics
from functools import partial

import requests

from bench.common import bench_emulator, running_api, timed

RUNS = 40
EMAIL, PASSWORD = "bench@example.com", "bench passphrase"


def report(name: str, samples: list[float], baseline: float) -> None:
    p50 = statistics.median(samples)
    p95 = statistics.quantiles(samples, n=20)[-1]
    print(f"  {name:34} p50 {p50 * 1000:7.1f}ms  p95 {p95 * 1000:7.1f}ms  "
          f"ratio {p50 / baseline:5.2f}x")


def main() -> None:
    with bench_emulator():
        from chalice.test import Client

        from chalicelib.auth.passwords import hash_password, password_matches
        from chalicelib.auth.service import ensure_admin

        ensure_admin(EMAIL, PASSWORD)
        encoded = hash_password(PASSWORD)
        floor = statistics.median(timed(RUNS, partial(password_matches, PASSWORD, encoded)))
        print("\nLogin latency")
        print(f"  {'Argon2id verify alone (baseline)':34} p50 {floor * 1000:7.1f}ms")
        body = {"email": EMAIL, "password": PASSWORD}
        with Client(importlib.import_module("app").app, stage_name="local") as client:
            report("POST /auth/login/ in-process", timed(RUNS, partial(
                client.http.post, "/auth/login/", headers={"Content-Type": "application/json"},
                body=json.dumps(body).encode())), floor)
        with running_api() as api:
            session = requests.Session()
            report("POST /auth/login/ over HTTP", timed(RUNS, partial(
                session.post, f"{api}/auth/login/", json=body, timeout=10)), floor)


if __name__ == "__main__":
    main()
