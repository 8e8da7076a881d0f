"""`make run`: the whole stack on this machine, stopped together with Ctrl-C.

emulator (moto's server unless one answers) -> template deployed -> the API (chalice's
local server, refusing at its edge as API Gateway does: devstack/api_server.py)
-> the event dispatcher (SQS -> the app's handlers) -> the WebSocket gateway (watch parties:
the app's websocket handlers, devstack/ws_gateway.py) -> a banner once /api/health/ is 200.

Its children (the emulator, the API) share one process group and die with it, however it
ends (Ctrl-C, SIGTERM, or SIGKILL: the kernel's parent-death signal); each run writes
down what it started (devstack/stack_state.py), so one killed where that signal does not
exist is cleaned up by the next. A busy port is a one-line error and a non-zero exit.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

import requests

from chalicelib.core import envvars
from chalicelib.core.logs import configure_logging
from chalicelib.core.settings import Settings, reload_settings
from devstack.demo_requests import start_demo_requests
from devstack.deploy import deploy_stack
from devstack.dispatcher import EventDispatcher
from devstack.emulator import Emulator, find_or_start
from devstack.environment import PROJECT_ROOT, STATE_DIR, use_local_environment
from devstack.ffmpeg import ffmpeg_binary
from devstack.processes import (
    ChildGroup,
    ProcessId,
    die_with_parent,
    exit_at_once,
    port_in_use,
)
from devstack.stack_state import StackAlreadyRunning, StackRecord, StackState
from devstack.task_runners import register_local_runners
from devstack.web_server import WebConfig, WebServer, hls_available
from devstack.ws_gateway import LocalWebSocketGateway

logger = logging.getLogger("devstack")
# moto's state between runs (devstack/moto_persistence.py); make reset removes it with the rest.
EMULATOR_STATE = STATE_DIR / "emulator"


def start_api(host: str, port: int, group: ChildGroup) -> subprocess.Popen[bytes]:
    """`chalice local` without its reloader (it restarts on any file write under the
    project, logs included), refusing bad requests as API Gateway does: api_server.py."""
    return group.popen(
        [sys.executable, "-m", "devstack.api_server", "--stage", "local",
         "--host", host, "--port", str(port)],
        cwd=PROJECT_ROOT, env=dict(os.environ))


def wait_until_healthy(url: str, api: subprocess.Popen[bytes], timeout: float = 60) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if api.poll() is not None:
            raise RuntimeError(f"the API server exited with {api.returncode}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return time.monotonic() - started
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not become healthy within {timeout} s")


def banner(settings: Settings, emulator: Emulator, api_url: str, seconds: float,
           extra: list[str]) -> str:
    return "\n".join([
        "",
        f"  Reelstack is up  (stage {settings.stage}, ready in {seconds:.1f} s)",
        f"  API         {api_url}/api/health/",
        f"  Emulator    {emulator.endpoint}  ({emulator.kind.value})",
        f"  Uploads     aws --endpoint-url {emulator.endpoint} s3 cp FILE "
        f"s3://{settings.buckets.uploads}/videos/",
        f"  Queues      {', '.join(settings.queues.all().values())}",
        f"  ffmpeg      {ffmpeg_binary() or 'not found: run make install'}",
        *extra,
        "  Admin       make admin EMAIL=you@example.com PASSWORD=...",
        "  Mail        make mail",
        "  Stop        Ctrl-C",
        "",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--web-port", type=int, default=8080,
                        help="the reference web player's port (0: do not serve it)")
    parser.add_argument("--ws-port", type=int, default=0,
                        help="the watch parties' WebSocket gateway's port (0: a free one; "
                             "clients learn it from the API)")
    parser.add_argument("--state-dir", type=Path, default=EMULATOR_STATE,
                        help="where the moto it starts keeps its state across restarts")
    parser.add_argument("--ephemeral", action="store_true",
                        help="keep the emulator's state in memory only")
    args = parser.parse_args()
    # `make` killed, even by SIGKILL, stops us (and we our children) as Ctrl-C would.
    die_with_parent(signal.SIGTERM)
    for stop_signal in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(stop_signal, _raise_interrupt)
    # Python leaves SIGINT ignored when it started ignored (a job a script put in the
    # background): Ctrl-C, and the tests' SIGINT, must stop the stack all the same.
    signal.signal(signal.SIGINT, signal.default_int_handler)

    use_local_environment()
    ports = [args.port, *([args.ws_port] if args.ws_port else []),
             *([args.web_port] if args.web_port else [])]
    state = StackState(STATE_DIR)
    try:
        claim_ports(state, args.host, ports)
    except KeyboardInterrupt:
        return
    exit_at_once(run_stack(args.host, args.port, args.web_port, state,
                           None if args.ephemeral else args.state_dir, ws_port=args.ws_port))


def claim_ports(state: StackState, host: str, ports: list[int]) -> None:
    """Stop what a killed run left behind; SystemExit (one line, status 1) when a port is
    taken, before anything starts."""
    try:
        for line in state.clear_leftovers(ports):
            print(line, flush=True)
    except StackAlreadyRunning as error:
        raise SystemExit(str(error)) from None
    for port in ports:
        if port_in_use(host, port):
            raise SystemExit(f"port {port} on {host} is in use: stop what listens there, "
                             "or choose others (make run RUN_ARGS='--port N --web-port M')")


def run_stack(host: str, port: int, web_port: int, state: StackState,
              emulator_state: Path | None = None, *, ws_port: int = 0) -> int:
    """Start the stack, serve until Ctrl-C (0) or until the API stops by itself (its exit
    status, or 1), and stop everything it started on the way out, however it goes. A moto
    it starts keeps its state in `emulator_state` when given (None: memory only)."""
    # Links in e-mails point at this API unless a public URL is configured.
    os.environ.setdefault(envvars.PUBLIC_API_URL, f"http://{host}:{port}")
    api_url = f"http://{host}:{port}"
    web_url = f"http://{host}:{web_port}" if web_port else ""
    if web_url:
        use_web_player(web_url)
    owner = ProcessId.of(os.getpid())
    assert owner is not None  # this very process
    record = StackRecord(owner, api_url, [port, *([web_port] if web_port else [])])
    group = ChildGroup()
    api: subprocess.Popen[bytes] | None = None
    dispatcher: EventDispatcher | None = None
    web: WebServer | None = None
    emulator: Emulator | None = None
    gateway = party_gateway(host, ws_port)
    record.ports.append(gateway.port)
    demo = start_demo_requests(STATE_DIR)
    try:
        settings = reload_settings()
        configure_logging(settings.log_level)
        register_local_runners()  # the dispatcher's handlers start transcoders here
        started = time.monotonic()
        emulator = find_or_start(settings.endpoint_url or "", STATE_DIR / "emulator.log",
                                 group, emulator_state)
        state.save(_recorded(record, group))
        deploy_stack(settings)
        # Items kept from before the requests table had kinds (imported here: the models
        # bind their tables to the settings of the moment).
        from chalicelib.movie_requests.models import add_missing_kinds
        add_missing_kinds()
        api = start_api(host, port, group)
        state.save(_recorded(record, group))
        # Short long polls: on Ctrl-C a poll in flight holds up the dispatcher's stop and
        # then moto's (its server waits up to 5 s for requests in progress), and a quiet
        # queue's extra polls cost next to nothing; a message is delivered at once either way.
        dispatcher = EventDispatcher(importlib.import_module("app").app, wait_seconds=1)
        dispatcher.start()
        gateway.start(importlib.import_module("app").app)
        if web_url:
            web = serve_web_player(host, web_port, api_url)
        wait_until_healthy(f"{api_url}/api/health/", api)
        print(banner(settings, emulator, api_url, time.monotonic() - started,
                     [*web_lines(web), f"  Parties     {gateway.socket_url}  (WebSocket)",
                      *demo.lines, *state_lines(emulator, emulator_state)]),
              flush=True)
        code = api.wait()
        print(f"the API server stopped by itself (exit status {code})", file=sys.stderr)
        return code or 1
    except KeyboardInterrupt:
        return 0
    except (RuntimeError, TimeoutError) as error:
        print(f"make run failed: {error}", file=sys.stderr)
        return 1
    finally:
        gateway.stop()
        _stop_all(api, dispatcher, web, emulator)
        group.stop()
        state.remove(record)
        demo.stop()


def _recorded(record: StackRecord, group: ChildGroup) -> StackRecord:
    record.group, record.children = group.pgid, list(group.members)
    return record


def party_gateway(host: str, port: int) -> LocalWebSocketGateway:
    """The local WebSocket API; the API's functions post to its connections through its
    management API, and clients are told where to connect (unless configured)."""
    try:
        gateway = LocalWebSocketGateway(host, port)
    except OSError as error:
        raise SystemExit(f"cannot serve the party gateway on {host}:{port} "
                         f"({error.strerror}): pass --ws-port with a free port, or 0") from None
    os.environ[envvars.PARTY_MANAGEMENT_URL] = gateway.management_url
    os.environ.setdefault(envvars.PARTY_SOCKET_URL, gateway.socket_url)
    return gateway


def use_web_player(web_url: str) -> None:
    """The page may call the API with cookies, and e-mailed links open it (unless the
    user configured other origins or links)."""
    origins = os.environ.get(envvars.CORS_ORIGINS, "")
    if web_url not in origins.split(","):
        os.environ[envvars.CORS_ORIGINS] = ",".join(filter(None, [origins, web_url]))
    os.environ.setdefault(envvars.FRONTEND_URL, web_url)


def serve_web_player(host: str, port: int, api_url: str) -> WebServer:
    try:
        return WebServer(host, port, WebConfig.from_env(api_url)).start()
    except OSError as error:
        raise SystemExit(f"cannot serve the web player on {host}:{port} ({error.strerror}): "
                         "pass --web-port with a free port, or 0 for none") from None


def web_lines(web: WebServer | None) -> list[str]:
    if web is None:
        return []
    if not hls_available():
        return [f"  Web player  {web.url}/  (hls.js missing: run make install)"]
    return [f"  Web player  {web.url}/"]


def state_lines(emulator: Emulator, emulator_state: Path | None) -> list[str]:
    if emulator.process is None:  # one that was already running keeps state its own way
        return []
    if emulator_state is None:
        return ["  State       in memory only (--ephemeral): gone when the stack stops"]
    return [f"  State       {emulator_state}  (kept across restarts; make reset: start clean)"]


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _stop_all(
    api: subprocess.Popen[bytes] | None, dispatcher: EventDispatcher | None,
    web: WebServer | None, emulator: Emulator | None
) -> None:
    """In order: nothing new comes in, nothing new is handled, then the emulator (the
    group's stop afterwards takes whatever is left)."""
    print("\nStopping Reelstack...", flush=True)
    if web is not None:
        web.stop()
    if api is not None and api.poll() is None:
        api.terminate()
        try:
            api.wait(timeout=5)
        except subprocess.TimeoutExpired:
            api.kill()
            api.wait()
    if dispatcher is not None:
        dispatcher.stop()
    if emulator is not None:
        emulator.stop()


if __name__ == "__main__":
    main()
