"""Playback over HTTP: p50/p99 of start, heartbeat, master and media playlists, and
DynamoDB calls per request. Baseline: GET /api/health/ over the same HTTP server (the
cost of the local API Gateway emulation itself)."""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from urllib.parse import urlparse

import requests

from bench.common import bench_emulator, percentiles, running_api, timed

RUNS = int(os.environ.get("BENCH_RUNS", "60"))


def main() -> None:
    with bench_emulator():
        from chalicelib.auth.service import ensure_admin, set_plan
        from tests.support.hls import make_playable_movie

        account = ensure_admin("viewer@example.com", "bench passphrase")
        set_plan(account.user_id, "premium")
        movie = make_playable_movie("Bench Movie")
        with running_api() as api:
            http = requests.Session()
            token = http.post(f"{api}/auth/login/", json={"email": "viewer@example.com",
                                                          "password": "bench passphrase"},
                              timeout=10).json()["access"]
            http.headers["Authorization"] = f"Bearer {token}"
            http.post(f"{api}/api/device/", json={"name": "tv", "device_type": "tv",
                                                  "device_id": "bench-tv"}, timeout=10)
            report(http, api, movie.movie_id)


def report(http: requests.Session, api: str, movie_id: str) -> None:
    body = {"movie_id": movie_id, "device_id": "bench-tv"}
    started = http.post(f"{api}/api/playback/start/", json=body, timeout=10).json()
    session, master = started["watch_session_id"], started["master_playlist_url"]
    token = urlparse(master).query
    media = f"{api}/api/video/{movie_id}/1080p/index.m3u8?{token}"
    health = percentiles(timed(RUNS, lambda: http.get(f"{api}/api/health/", timeout=10)))
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
            p50, p99 = percentiles(timed(RUNS // 3, call))
            session_data = http.post(f"{api}/api/playback/start/", json=body, timeout=10).json()
            session = session_data["watch_session_id"]
            master = session_data["master_playlist_url"]
            media = f"{api}/api/video/{movie_id}/1080p/index.m3u8?{urlparse(master).query}"
        else:
            p50, p99 = percentiles(timed(RUNS, call))
        print(f"  {name:28} p50 {p50 * 1000:6.1f}ms p99 {p99 * 1000:6.1f}ms "
              f"ratio {p50 / health[0]:5.2f}x")
    print(f"  DynamoDB calls per request (in-process): {calls_per_request(movie_id)}")


def calls_per_request(movie_id: str) -> dict[str, int]:
    from chalice.test import Client

    from tests.support.aws_calls import counting_dynamodb_calls

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
