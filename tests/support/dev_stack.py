"""`make run` in a child process, as the e2e tier drives it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import requests

from devstack.ffmpeg import ffmpeg_binary
from tests.support.network import free_port


@dataclass
class DevStack:
    process: subprocess.Popen[str]
    api_url: str
    endpoint: str
    prefix: str
    log: Path
    web_url: str

    def client(self, service: str) -> Any:
        return boto3.client(service, endpoint_url=self.endpoint,  # type: ignore[call-overload]
                            region_name="us-east-1")


def signed_up(stack: DevStack, email: str, password: str,
              origin: str | None = None) -> requests.Session:
    """A user who registered, activated from the e-mail and signed in (cookie flow), from
    a page on `origin` if one is given."""
    browser, api = requests.Session(), stack.api_url
    if origin:
        browser.headers["Origin"] = origin
    registered = browser.post(f"{api}/api/register/", json={
        "email": email, "password": password, "confirmed_password": password}, timeout=10)
    assert registered.status_code == 201, registered.text
    if origin:
        assert registered.headers["Access-Control-Allow-Origin"] == origin
    link = activation_link(stack, email)
    assert browser.get(api_link(stack, link), timeout=10).status_code == 200
    login = browser.post(f"{api}/api/login/", json={"email": email, "password": password},
                         timeout=10)
    assert login.status_code == 200, login.text
    return browser


def activation_link(stack: DevStack, email: str) -> str:
    """The link in the activation e-mail to `email`, once it has been sent."""
    from devstack.mailbox import mail_to

    links: list[str] = []

    def mailed() -> bool:
        links[:] = [link for mail in mail_to(stack.endpoint, email) for link in mail.links
                    if "/activate/" in link]
        return bool(links)

    wait_for(mailed, 30, "the activation e-mail")
    return links[0]


def api_link(stack: DevStack, link: str) -> str:
    """The API call behind an e-mailed link: `make run` sends links to the web player's
    pages (`/activate/{uid}/{token}/`), which make the same call under `/api`."""
    if link.startswith(stack.api_url):
        return link
    path = link.removeprefix(stack.web_url)
    assert path != link, f"{link} points neither at the API nor at the web player"
    return f"{stack.api_url}/api{path}"


def admin_token(stack: DevStack, email: str, password: str) -> dict[str, str]:
    """An admin made the way a user makes one (`make admin`), as Bearer headers."""
    env = {**os.environ, "AWS_ENDPOINT_URL": stack.endpoint, "REELSTACK_PREFIX": stack.prefix}
    subprocess.run([sys.executable, "-m", "devstack.admin", "--email", email, "--password",
                    password], env=env, check=True, capture_output=True, timeout=60)
    login = requests.post(f"{stack.api_url}/auth/login/",
                          json={"email": email, "password": password}, timeout=10)
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['access']}"}


def decode_to_the_end(http: requests.Session, api_url: str, movie_id: str,
                      device_id: str) -> subprocess.CompletedProcess[str]:
    """Register a device, start a watch session and let ffmpeg decode the whole video
    through the master playlist, as a native player would."""
    http.post(f"{api_url}/api/device/", json={"name": "ffmpeg", "device_type": "other",
                                              "device_id": device_id}, timeout=10)
    started = http.post(f"{api_url}/api/playback/start/", json={
        "movie_id": movie_id, "device_id": device_id}, timeout=10)
    assert started.status_code == 201, started.text
    return subprocess.run(
        [str(ffmpeg_binary()), "-v", "error", "-i", started.json()["master_playlist_url"],
         "-map", "0:v:0", "-f", "null", "-"],
        capture_output=True, text=True, timeout=120, check=False)


def wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def healthy(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


@contextmanager
def running_dev_stack(project_root: Path, log: Path, prefix: str,
                      extra_env: dict[str, str] | None = None,
                      state_dir: Path | None = None) -> Iterator[DevStack]:
    """A whole stack on a fresh emulator port (so it starts its own moto server), keeping
    the emulator's state in `state_dir` (None: in memory, never in make run's folder)."""
    endpoint, api_port, web_port = f"http://127.0.0.1:{free_port()}", free_port(), free_port()
    env = {**os.environ, "AWS_ENDPOINT_URL": endpoint, "REELSTACK_PREFIX": prefix,
           "REELSTACK_LOG_LEVEL": "INFO", **(extra_env or {})}
    with open(log, "w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "devstack.run", "--port", str(api_port),
             "--web-port", str(web_port),
             *(["--state-dir", str(state_dir)] if state_dir else ["--ephemeral"])],
            cwd=project_root, env=env, stdout=output, stderr=subprocess.STDOUT, text=True,
        )
    stack = DevStack(process, f"http://127.0.0.1:{api_port}", endpoint, prefix, log,
                     f"http://127.0.0.1:{web_port}")
    try:
        wait_for(lambda: "Reelstack is up" in log.read_text(), 60, "the ready banner")
        yield stack
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=20)


def command_lines(under: int | None = None) -> Iterator[tuple[int, list[bytes]]]:
    """The processes this user can see, with their arguments (read from /proc); with
    `under`, only that process's descendants, so that a test killing "the transcoder's
    ffmpeg" never finds one that another test run on the same machine started."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        if under is not None and not _descends(int(entry.name), under):
            continue
        try:
            yield int(entry.name), (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:  # gone meanwhile
            continue


def _descends(pid: int, ancestor: int) -> bool:
    for _ in range(64):  # a bound: a pid reused meanwhile cannot make the walk loop
        if pid == ancestor:
            return True
        if pid <= 1:
            return False
        try:
            # The parent is the field after the parenthesised command, which may hold spaces.
            pid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            return False
    return False
