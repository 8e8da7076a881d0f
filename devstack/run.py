"""`make run`: the whole stack on this machine, stopped together with Ctrl-C.

emulator (moto's server unless one answers) -> template deployed -> the API (chalice's
local server, refusing at its edge as API Gateway does: devstack/api_server.py)
-> the event dispatcher (SQS -> the app's handlers) -> a banner once /api/health/ is 200.
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
from devstack.web_server import WebConfig, WebServer, hls_available

logger = logging.getLogger("devstack")


def start_api(host: str, port: int) -> subprocess.Popen[bytes]:
    """`chalice local` without its reloader (it restarts on any file write under the
    project, logs included), refusing bad requests as API Gateway does: api_server.py."""
    return subprocess.Popen(
        [sys.executable, "-m", "devstack.api_server", "--stage", "local",
         "--host", host, "--port", str(port)],
        cwd=PROJECT_ROOT,
        env=dict(os.environ),
        start_new_session=True,
    )


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
    args = parser.parse_args()

    use_local_environment()
    # Links in e-mails point at this API unless a public URL is configured.
    os.environ.setdefault(envvars.PUBLIC_API_URL, f"http://{args.host}:{args.port}")
    web_url = f"http://{args.host}:{args.web_port}" if args.web_port else ""
    if web_url:
        use_web_player(web_url)
    demo = start_demo_requests(STATE_DIR)
    settings = reload_settings()
    configure_logging(settings.log_level)
    started = time.monotonic()
    emulator = find_or_start(settings.endpoint_url or "", STATE_DIR / "emulator.log")
    api: subprocess.Popen[bytes] | None = None
    dispatcher: EventDispatcher | None = None
    web: WebServer | None = None
    signal.signal(signal.SIGTERM, _raise_interrupt)
    # Python leaves SIGINT ignored when it started ignored (a job a script put in the
    # background): Ctrl-C, and the tests' SIGINT, must stop the stack all the same.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        deploy_stack(settings)
        api = start_api(args.host, args.port)
        dispatcher = EventDispatcher(importlib.import_module("app").app)
        dispatcher.start()
        api_url = f"http://{args.host}:{args.port}"
        if web_url:
            web = serve_web_player(args.host, args.web_port, api_url)
        wait_until_healthy(f"{api_url}/api/health/", api)
        print(banner(settings, emulator, api_url, time.monotonic() - started,
                     [*web_lines(web), *demo.lines]), flush=True)
        api.wait()
    except KeyboardInterrupt:
        pass
    finally:
        _stop_all(api, dispatcher, web, emulator)
        demo.stop()


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


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _stop_all(
    api: subprocess.Popen[bytes] | None, dispatcher: EventDispatcher | None,
    web: WebServer | None, emulator: Emulator
) -> None:
    print("\nStopping Reelstack...", flush=True)
    if web is not None:
        web.stop()
    if api is not None and api.poll() is None:
        os.killpg(api.pid, signal.SIGTERM)
        try:
            api.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(api.pid, signal.SIGKILL)
    if dispatcher is not None:
        dispatcher.stop()
    emulator.stop()


if __name__ == "__main__":
    main()
