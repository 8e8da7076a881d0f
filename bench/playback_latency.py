"""Playback over HTTP: p50/p99 of start, heartbeat, master and media playlists, and
DynamoDB calls per request. Baseline: GET /api/health/ over the same HTTP server (the
cost of the local API Gateway emulation itself)."""

from __future__ import annotations

import importlib
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

import requests

ROOT = Path(__file__).resolve().parent.parent
RUNS = int(os.environ.get("BENCH_RUNS", "60"))


def timed(runs: int, call: Callable[[], object]) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def main() -> None:
    os.environ.update({"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                       "REELSTACK_PREFIX": "reelstack-bench", "REELSTACK_LOG_LEVEL": "ERROR",
                       "REELSTACK_REQUESTS_PER_MINUTE": "100000"})
    from bench.dev_stack_start import free_port
    from chalicelib.auth.service import ensure_admin, set_plan
    from chalicelib.core.settings import reload_settings
    from devstack.deploy import deploy_stack
    from devstack.emulator import start_moto
    from devstack.environment import use_local_environment
    from tests.support.hls import make_playable_movie

    emulator = start_moto(f"http://127.0.0.1:{free_port()}")
    os.environ["AWS_ENDPOINT_URL"] = emulator.endpoint
    use_local_environment()
    deploy_stack(reload_settings())
    account = ensure_admin("viewer@example.com", "bench passphrase")
    set_plan(account.user_id, "premium")
    movie = make_playable_movie("Bench Movie")
    port = free_port()
    api = f"http://127.0.0.1:{port}"
    with tempfile.NamedTemporaryFile("w+") as log:
        stack = subprocess.Popen([sys.executable, "-m", "devstack.run", "--port", str(port)],
                                 cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        try:
            while "Reelstack is up" not in Path(log.name).read_text():
                time.sleep(0.1)
            http = requests.Session()
            token = http.post(f"{api}/auth/login/", json={"email": "viewer@example.com",
                                                          "password": "bench passphrase"},
                              timeout=10).json()["access"]
            http.headers["Authorization"] = f"Bearer {token}"
            http.post(f"{api}/api/device/", json={"name": "tv", "device_type": "tv",
                                                  "device_id": "bench-tv"}, timeout=10)
            report(http, api, movie.movie_id)
        finally:
            stack.send_signal(signal.SIGINT)
            stack.wait(timeout=30)
            emulator.stop()


def report(http: requests.Session, api: str, movie_id: str) -> None:
    body = {"movie_id": movie_id, "device_id": "bench-tv"}
    started = http.post(f"{api}/api/playback/start/", json=body, timeout=10).json()
    session, master = started["watch_session_id"], started["master_playlist_url"]
    token = urlparse(master).query
    media = f"{api}/api/video/{movie_id}/1080p/index.m3u8?{token}"
    health = timed(RUNS, lambda: http.get(f"{api}/api/health/", timeout=10))
    rows = {
        "start": lambda: http.post(f"{api}/api/playback/start/", json=body, timeout=10),
        "heartbeat": lambda: http.post(f"{api}/api/playback/heartbeat/", json={
            "watch_session_id": session, "position": 10}, timeout=10),
        "master playlist": lambda: http.get(master, timeout=10),
        "media playlist": lambda: http.get(media, timeout=10),
    }
    print("\nPlayback over HTTP")
    print(f"  {'baseline: GET /api/health/':28} p50 {health[0] * 1000:6.1f}ms "
          f"p99 {health[1] * 1000:6.1f}ms")
    for name, call in rows.items():
        if name == "start":  # starting again replaces the session: keep heartbeating the new one
            p50, p99 = timed(RUNS // 3, call)
            session_data = http.post(f"{api}/api/playback/start/", json=body, timeout=10).json()
            session = session_data["watch_session_id"]
            master = session_data["master_playlist_url"]
            media = f"{api}/api/video/{movie_id}/1080p/index.m3u8?{urlparse(master).query}"
        else:
            p50, p99 = timed(RUNS, call)
        print(f"  {name:28} p50 {p50 * 1000:6.1f}ms p99 {p99 * 1000:6.1f}ms "
              f"ratio {p50 / health[0]:5.2f}x")
    print(f"  DynamoDB calls per request (in-process): {calls_per_request(movie_id)}")


def calls_per_request(movie_id: str) -> dict[str, int]:
    from chalice.test import Client

    from chalicelib.core.dynamo import counting_dynamodb_calls

    app = importlib.import_module("app").app
    counts: dict[str, int] = {}
    with Client(app, stage_name="local") as client:
        headers = {"Content-Type": "application/json"}
        login = client.http.post("/auth/login/", headers=headers,
                                 body=b'{"email": "viewer@example.com", '
                                      b'"password": "bench passphrase"}').json_body
        headers["Authorization"] = f"Bearer {login['access']}"
        body = f'{{"movie_id": "{movie_id}", "device_id": "bench-tv"}}'.encode()
        with counting_dynamodb_calls() as calls:
            started = client.http.post("/api/playback/start/", headers=headers,
                                       body=body).json_body
        counts["start"] = sum(calls.values())
        query = urlparse(started["master_playlist_url"]).query
        steps: dict[str, Callable[[], object]] = {
            "heartbeat": lambda: client.http.post(
                "/api/playback/heartbeat/", headers=headers,
                body=f'{{"watch_session_id": "{started["watch_session_id"]}", '
                     f'"position": 5}}'.encode()),
            "master": lambda: client.http.get(f"/api/video/{movie_id}/master.m3u8?{query}"),
            "media": lambda: client.http.get(f"/api/video/{movie_id}/1080p/index.m3u8?{query}"),
        }
        for name, step in steps.items():
            with counting_dynamodb_calls() as calls:
                step()
            counts[name] = sum(calls.values())
    return counts


if __name__ == "__main__":
    main()
