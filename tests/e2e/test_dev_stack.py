"""`make run` as a user gets it: the emulator, the API and the dispatcher in processes.

Nothing listens on the chosen emulator port, so the dev stack must start moto's server
there itself, deploy the template, serve the API and deliver S3 events to the app's
handler; Ctrl-C must stop every process it started.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from devstack.emulator import identify
from devstack.mailbox import mail_to
from tests.support.network import free_port

pytestmark = pytest.mark.e2e
PREFIX = "reelstack-e2e"


@dataclass
class DevStack:
    process: subprocess.Popen[str]
    api_url: str
    endpoint: str
    log: Path

    def client(self, service: str) -> Any:
        return boto3.client(service, endpoint_url=self.endpoint,  # type: ignore[call-overload]
                            region_name="us-east-1")


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


@pytest.fixture
def dev_stack(project_root: Path, tmp_path: Path) -> Iterator[DevStack]:
    endpoint, api_port = f"http://127.0.0.1:{free_port()}", free_port()
    log = tmp_path / "make-run.log"
    env = {**os.environ, "AWS_ENDPOINT_URL": endpoint, "REELSTACK_PREFIX": PREFIX,
           "REELSTACK_LOG_LEVEL": "INFO"}
    with open(log, "w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "devstack.run", "--port", str(api_port)],
            cwd=project_root, env=env, stdout=output, stderr=subprocess.STDOUT, text=True,
        )
    stack = DevStack(process, f"http://127.0.0.1:{api_port}", endpoint, log)
    try:
        wait_for(lambda: "Reelstack is up" in log.read_text(), 60, "the ready banner")
        yield stack
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=20)


def test_make_run_serves_the_api_and_delivers_upload_events(dev_stack: DevStack) -> None:
    health = requests.get(f"{dev_stack.api_url}/api/health/", timeout=5).json()
    assert health["status"] == "ok"

    s3, dynamodb = dev_stack.client("s3"), dev_stack.client("dynamodb")
    s3.put_object(Bucket=f"{PREFIX}-uploads", Key="videos/e2e clip.mp4", Body=b"bytes")
    etag = s3.head_object(Bucket=f"{PREFIX}-uploads", Key="videos/e2e clip.mp4")["ETag"]
    key = f"upload:{PREFIX}-uploads/videos/e2e clip.mp4@{etag.strip(chr(34))}"

    def accepted() -> bool:
        item = dynamodb.get_item(TableName=f"{PREFIX}-jobs", Key={"key": {"S": key}})
        return bool(item.get("Item", {}).get("state", {}).get("S") == "done")

    wait_for(accepted, 30, "the dispatcher to hand the upload to the app's handler")


def test_ctrl_c_stops_everything_it_started(dev_stack: DevStack) -> None:
    dev_stack.process.send_signal(signal.SIGINT)

    assert dev_stack.process.wait(timeout=20) == 0
    assert "Stopping Reelstack" in dev_stack.log.read_text()
    wait_for(lambda: identify(dev_stack.endpoint) is None, 10, "the emulator to stop")
    assert not healthy(f"{dev_stack.api_url}/api/health/")


def test_an_spa_user_signs_up_by_mail_and_signs_in_with_cookies(dev_stack: DevStack) -> None:
    email, password = f"e2e-{time.monotonic_ns()}@example.com", "an e2e passphrase"
    browser = requests.Session()
    api = dev_stack.api_url
    headers = {"Origin": "http://127.0.0.1:8080"}

    registered = browser.post(f"{api}/api/register/", json={
        "email": email, "password": password, "confirmed_password": password,
    }, headers=headers, timeout=10)
    assert registered.status_code == 201
    assert registered.headers["Access-Control-Allow-Origin"] == "http://127.0.0.1:8080"
    links: list[str] = []

    def mailed() -> bool:
        links[:] = [link for mail in mail_to(dev_stack.endpoint, email) for link in mail.links]
        return bool(links)

    wait_for(mailed, 30, "the activation e-mail (notifications queue -> SES)")
    assert browser.get(links[0], timeout=10).status_code == 200
    login = browser.post(f"{api}/api/login/", json={"email": email, "password": password},
                         timeout=10)
    assert login.status_code == 200
    assert browser.get(f"{api}/api/me/", timeout=10).json()["email"] == email
    assert browser.post(f"{api}/api/token/refresh/", json={}, timeout=10).status_code == 200
    assert browser.post(f"{api}/api/logout/", json={}, timeout=10).status_code == 200
    assert browser.get(f"{api}/api/me/", timeout=10).status_code == 401
