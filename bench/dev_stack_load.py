"""The dev stack under load (`make bench-load`; also part of `make bench`).

Many clients, each its own signed-in user, alternate a catalog page and a heartbeat on
their own watch session for a while; then the stack takes 10,000 more heartbeats and the
clients run again. Reported per mode: requests/s, p50/p99 per kind, errors, 429s, the
emulator's RSS before and after, and how long `make mail` takes. The baseline is the
emulator as it was (REELSTACK_MOTO_LEGACY=1, devstack/moto_server.py), run first in the
same process on the same machine, so the ratios compare like with like.

Choices that shape the figures:
- The stack runs with a heartbeat interval of 0 s, so the per-session spacing rule (429
  sooner than half an interval) admits every heartbeat a client sends; a 429 is still
  counted apart from errors, so a regression there shows rather than hides.
- The per-minute request limit is raised (bench/common.py), as it would refuse the load.
- The extra heartbeats go straight to DynamoDB as the transaction the API makes
  (`playback.service.heartbeat`, from a few threads, one thread per session), not over
  HTTP: the point is the emulator's state after them, and this takes a fraction of the time.
- "Errors" are answers outside 2xx other than 429, and requests that got no answer.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

import requests

from bench.common import ROOT, deployed_emulator, running_api
from bench.load_figures import (
    HeartbeatBurst,
    MailRun,
    ModeFigures,
    PhaseFigures,
    Sample,
    comparison,
    outcome_of,
    phase_figures,
    process_tree_rss_kib,
    target_lines,
)
from chalicelib.core import envvars

# Read by devstack/moto_server.py: "1" runs the emulator exactly as before issue 16
# (named here too: importing that module would import moto into this process).
MOTO_LEGACY = "REELSTACK_MOTO_LEGACY"
# Heartbeats are admitted at most every half interval; 0 s admits each one a client sends.
LOAD_ENV = {envvars.HEARTBEAT_SECONDS: "0"}
CATALOG_MOVIES = 60
PASSWORD = "bench passphrase"
HEARTBEAT_WORKERS = 8
# `make mail` on an emulator that keeps everything can take minutes (or fail: the mail
# reader gives moto's data.json 5 s); past this it counts as failed.
MAIL_TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class LoadConfig:
    clients: int = 50
    seconds: float = 60
    extra_heartbeats: int = 10_000
    # Bounds the whole run (the emulator as it was slows down as it grows): heartbeats not
    # sent by then are reported as missing.
    extra_seconds_cap: float = 120

    @classmethod
    def quick(cls) -> LoadConfig:
        """A smoke run: every step, a small fraction of the time."""
        return cls(clients=8, seconds=5, extra_heartbeats=400, extra_seconds_cap=30)


@dataclass(frozen=True)
class BenchUser:
    user_id: str
    http: requests.Session  # signed in (Bearer); used by one client thread only
    session_id: str  # the watch session it heartbeats on


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    defaults = LoadConfig()
    parser.add_argument("--clients", type=int, default=defaults.clients)
    parser.add_argument("--seconds", type=float, default=defaults.seconds,
                        help="how long each load phase lasts")
    parser.add_argument("--extra-heartbeats", type=int, default=defaults.extra_heartbeats)
    parser.add_argument("--extra-seconds-cap", type=float, default=defaults.extra_seconds_cap,
                        help="stop sending the extra heartbeats after this long")
    parser.add_argument("--quick", action="store_true",
                        help=f"a smoke run: {LoadConfig.quick()}")
    args = parser.parse_args(argv)
    config = LoadConfig.quick() if args.quick else LoadConfig(
        args.clients, args.seconds, args.extra_heartbeats, args.extra_seconds_cap)
    print(f"\nDev stack under load: {config.clients} clients x {config.seconds:.0f} s "
          f"(catalog page, heartbeat, ...), again after {config.extra_heartbeats} heartbeats",
          flush=True)
    baseline = run_mode("baseline", legacy=True, config=config)
    current = run_mode("current", legacy=False, config=config)
    print(comparison(baseline, current))
    print("Targets (issue 16):")
    print("\n".join(target_lines(baseline, current)), flush=True)


def run_mode(name: str, *, legacy: bool, config: LoadConfig) -> ModeFigures:
    """One whole stack, set up, loaded, heartbeaten, loaded again; then stopped."""
    started = time.monotonic()
    with _environment({MOTO_LEGACY: "1" if legacy else None, **LOAD_ENV}), \
            deployed_emulator() as emulator:
        from bench.catalog_listing import load_catalog
        from tests.support.hls import make_playable_movie

        load_catalog(CATALOG_MOVIES)
        movie = make_playable_movie("Bench Load Movie")
        with running_api() as api:
            users = signed_up_users(api, config.clients, movie.movie_id)
            pid = emulator.process.pid if emulator.process is not None else None
            rss_before, mail_before = _rss(pid), make_mail()
            _progress(name, started, f"{len(users)} users playing; loading")
            fresh = run_phase(users, api, config.seconds)
            _progress(name, started, f"{fresh.per_second:.1f} requests/s; extra heartbeats")
            extra = extra_heartbeats(users, config.extra_heartbeats, config.extra_seconds_cap)
            _progress(name, started, f"{extra.sent} heartbeats, {extra.per_second:.0f}/s; "
                                     "loading again")
            loaded = run_phase(users, api, config.seconds)
            rss_after, mail_after = _rss(pid), make_mail()
    rss = None if rss_before is None or rss_after is None else (rss_before, rss_after)
    _progress(name, started, f"{loaded.per_second:.1f} requests/s; done")
    return ModeFigures(name, fresh, loaded, extra, rss, (mail_before, mail_after))


def signed_up_users(api: str, count: int, movie_id: str) -> list[BenchUser]:
    """Active accounts made directly (as `make admin` does, but plain users), each signed
    in, with a device and a watch session on the movie started over the API."""
    from chalicelib.auth.accounts import create_user
    from chalicelib.auth.service import login

    def one(n: int) -> BenchUser:
        email = f"viewer{n}@bench.example"
        create_user(email, PASSWORD, active=True)
        signed_in = login(email, PASSWORD)
        http = requests.Session()
        http.headers["Authorization"] = f"Bearer {signed_in.access_token}"
        device = {"name": f"tv {n}", "device_type": "tv", "device_id": f"bench-tv-{n}"}
        _expect_ok(http.post(f"{api}/api/device/", json=device, timeout=30))
        started = _expect_ok(http.post(f"{api}/api/playback/start/", json={
            "movie_id": movie_id, "device_id": device["device_id"]}, timeout=30))
        return BenchUser(signed_in.account.user_id, http, started.json()["watch_session_id"])

    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(one, range(count)))


def run_phase(users: Sequence[BenchUser], api: str, seconds: float) -> PhaseFigures:
    """Every user's client at once, alternating a catalog page and a heartbeat."""
    ready = threading.Barrier(len(users) + 1)
    deadline: list[float] = []

    def client(user: BenchUser) -> list[Sample]:
        samples: list[Sample] = []
        heartbeat = {"watch_session_id": user.session_id, "position": 0}
        # One round unmeasured, so the figures leave out the API's first-call costs.
        user.http.get(f"{api}/api/video/", timeout=30)
        user.http.post(f"{api}/api/playback/heartbeat/", json=heartbeat, timeout=30)
        ready.wait()
        while time.monotonic() < deadline[0]:
            samples.append(_sample("catalog", lambda: user.http.get(
                f"{api}/api/video/", timeout=30)))
            if time.monotonic() >= deadline[0]:
                break
            heartbeat["position"] = len(samples) % 500  # (the movie is 600 s long)
            samples.append(_sample("heartbeat", lambda: user.http.post(
                f"{api}/api/playback/heartbeat/", json=heartbeat, timeout=30)))
        return samples

    with ThreadPoolExecutor(max_workers=len(users)) as pool:
        running = [pool.submit(client, user) for user in users]
        deadline.append(time.monotonic() + seconds)
        ready.wait()
        started = time.perf_counter()
        samples = [sample for done in running for sample in done.result()]
        elapsed = time.perf_counter() - started  # the last answers come after the deadline
    return phase_figures(samples, elapsed)


def _sample(kind: str, call: Callable[[], requests.Response]) -> Sample:
    started = time.perf_counter()
    try:
        status: int | None = call().status_code
    except requests.RequestException:
        status = None
    return Sample(kind, time.perf_counter() - started, outcome_of(status))


def extra_heartbeats(users: Sequence[BenchUser], count: int,
                     seconds_cap: float) -> HeartbeatBurst:
    """`count` heartbeats as the transaction the API makes, round-robin over the sessions,
    or as many as `seconds_cap` allows; each session belongs to one thread (two heartbeats
    of one session at once conflict)."""
    from pynamodb.exceptions import PynamoDBException

    from chalicelib.core.errors import ReelstackError
    from chalicelib.playback.inputs import WatchPosition
    from chalicelib.playback.service import heartbeat

    workers = min(HEARTBEAT_WORKERS, len(users))
    started = time.perf_counter()
    deadline = time.monotonic() + seconds_cap

    def beat(worker: int) -> tuple[int, int]:
        mine, sent, failures = users[worker::workers], 0, 0
        for n in range(worker, count, workers):
            if time.monotonic() >= deadline:
                break
            user = mine[(n // workers) % len(mine)]
            try:
                heartbeat(user.user_id, WatchPosition(watch_session_id=user.session_id,
                                                      position=n % 500))
            except (ReelstackError, PynamoDBException):
                failures += 1
            sent += 1
        return sent, failures

    with ThreadPoolExecutor(max_workers=workers) as pool:
        done = list(pool.map(beat, range(workers)))
    return HeartbeatBurst(count, sum(d[0] for d in done), time.perf_counter() - started,
                          sum(d[1] for d in done))


def make_mail() -> MailRun:
    """`make mail` against this stack, as a user runs it (a new interpreter included)."""
    started = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, "-m", "devstack.mailbox", "--last", "1"],
                              cwd=ROOT, capture_output=True, text=True, check=False,
                              timeout=MAIL_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        return MailRun(time.perf_counter() - started, failed=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        print(f"    make mail failed after {elapsed:.1f} s: {last}", flush=True)
    return MailRun(elapsed, failed=done.returncode != 0)


def _progress(mode: str, started: float, what: str) -> None:
    print(f"  {mode} at {time.monotonic() - started:3.0f} s: {what}", flush=True)


def _rss(pid: int | None) -> int | None:
    return None if pid is None else process_tree_rss_kib(pid)


def _expect_ok(response: requests.Response) -> requests.Response:
    if not response.ok:
        raise RuntimeError(f"{response.request.method} {response.url}: "
                           f"{response.status_code} {response.text}")
    return response


@contextmanager
def _environment(changes: dict[str, str | None]) -> Iterator[None]:
    """Set (or, for None, unset) variables for this process and the stack it starts."""
    saved = {name: os.environ.get(name) for name in changes}
    _apply(changes)
    try:
        yield
    finally:
        _apply(saved)


def _apply(values: dict[str, str | None]) -> None:
    for name, value in values.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


if __name__ == "__main__":
    main()
