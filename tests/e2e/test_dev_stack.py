"""`make run` as a user gets it: the emulator, the API and the dispatcher in processes.

Nothing listens on the chosen emulator port, so the dev stack must start moto's server
there itself, deploy the template, serve the API and deliver S3 events to the app's
handler; Ctrl-C must stop every process it started.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from devstack.emulator import identify
from devstack.environment import PROJECT_ROOT
from tests.support.dev_stack import DevStack, healthy, running_dev_stack, signed_up, wait_for

pytestmark = pytest.mark.e2e
PREFIX = "reelstack-e2e"


@pytest.fixture(scope="module")
def dev_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevStack]:
    """One stack for the tests that only use it (each with data of its own)."""
    with running_dev_stack(PROJECT_ROOT, tmp_path_factory.mktemp("make-run") / "make-run.log",
                           PREFIX) as stack:
        yield stack


@pytest.fixture
def stack_to_stop(project_root: Path, tmp_path: Path) -> Iterator[DevStack]:
    with running_dev_stack(project_root, tmp_path / "make-run.log", PREFIX) as stack:
        yield stack


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


def test_ctrl_c_stops_everything_it_started(stack_to_stop: DevStack) -> None:
    stack_to_stop.process.send_signal(signal.SIGINT)

    assert stack_to_stop.process.wait(timeout=20) == 0
    assert "Stopping Reelstack" in stack_to_stop.log.read_text()
    wait_for(lambda: identify(stack_to_stop.endpoint) is None, 10, "the emulator to stop")
    assert not healthy(f"{stack_to_stop.api_url}/api/health/")


def test_an_spa_user_signs_up_by_mail_and_signs_in_with_cookies(dev_stack: DevStack) -> None:
    email, password = f"e2e-{time.monotonic_ns()}@example.com", "an e2e passphrase"
    browser = signed_up(dev_stack, email, password, origin="http://127.0.0.1:8080")
    api = dev_stack.api_url

    assert browser.get(f"{api}/api/me/", timeout=10).json()["email"] == email
    assert browser.post(f"{api}/api/token/refresh/", json={}, timeout=10).status_code == 200
    assert browser.post(f"{api}/api/logout/", json={}, timeout=10).status_code == 200
    assert browser.get(f"{api}/api/me/", timeout=10).status_code == 401
