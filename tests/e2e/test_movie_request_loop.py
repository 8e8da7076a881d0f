"""A movie request, closed for real: `make run`'s processes, its local TMDb and download
server, the dispatcher, real ffmpeg, and the "ready" e-mail in the dev mailbox."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from chalicelib.core import envvars
from devstack.demo_requests import DEMO_FILMS
from devstack.mailbox import SentMail, mail_to
from tests.support.dev_stack import DevStack, admin_token, running_dev_stack, signed_up, wait_for

pytestmark = pytest.mark.e2e
PREFIX = "reelstack-requests"
BIG_BUCK_BUNNY = DEMO_FILMS[-1][0]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevStack]:
    log = tmp_path_factory.mktemp("requests") / "make-run.log"
    root = Path(__file__).resolve().parents[2]
    # An admin approves here; auto-approval is covered by the integration tier.
    with running_dev_stack(root, log, PREFIX,
                           {envvars.REQUESTS_AUTO_APPROVE: "false"}) as running:
        yield running


def ready_mail(stack: DevStack, email: str) -> list[SentMail]:
    return [m for m in mail_to(stack.endpoint, email) if "ready to watch" in m.subject]


def queue_is_empty(stack: DevStack, name: str) -> bool:
    sqs = stack.client("sqs")
    url = sqs.get_queue_url(QueueName=f"{PREFIX}-{name}")["QueueUrl"]
    counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    return all(value == "0" for value in counts.values())


def test_approve_acquire_transcode_and_mail_once(stack: DevStack) -> None:
    email = f"asker-{time.monotonic_ns()}@example.com"
    user = signed_up(stack, email, "a requester's passphrase")
    admin = admin_token(stack, f"boss-{time.monotonic_ns()}@example.com", "an admin passphrase")
    api = stack.api_url

    asked = user.post(f"{api}/api/requests/", json={"tmdb_id": BIG_BUCK_BUNNY}, timeout=10)
    assert asked.status_code == 202, asked.text
    request_id = asked.json()["request_id"]
    waiting = requests.get(f"{api}/api/admin/requests/?state=requested", headers=admin,
                           timeout=10).json()
    assert request_id in [r["request_id"] for r in waiting]
    approved = requests.post(f"{api}/api/admin/requests/{request_id}/approve/", json={},
                             headers=admin, timeout=10)
    assert approved.status_code == 202, approved.text
    mine: dict[str, Any] = {}

    def settled() -> bool:
        mine.update(user.get(f"{api}/api/requests/{request_id}/", timeout=10).json())
        return mine["state"] in ("ready", "failed")

    wait_for(settled, 240, "the request to be fulfilled")

    assert mine["state"] == "ready", mine.get("reason")
    assert [e["state"] for e in mine["timeline"]] == [
        "requested", "approved", "acquiring", "transcoding", "ready"]
    movie_id = mine["movie_id"]
    movie = user.get(f"{api}/api/video/{movie_id}/", timeout=10).json()
    assert (movie["title"], movie["status"]) == ("Big Buck Bunny", "ready")
    wait_for(lambda: bool(ready_mail(stack, email)), 30, "the ready e-mail")
    [mail] = ready_mail(stack, email)
    assert "Big Buck Bunny" in mail.subject and "ready to watch" in mail.text
    assert any(movie_id in link for link in mail.links)
    assert f"/api/video/{movie_id}/images/poster/" in mail.html
    watchlist = user.get(f"{api}/api/watchlist/", timeout=10).json()
    assert [m["movie_id"] for m in watchlist] == [movie_id]

    # The news is redelivered (twice): nobody hears twice.
    sqs = stack.client("sqs")
    url = sqs.get_queue_url(QueueName=f"{PREFIX}-notifications")["QueueUrl"]
    news = {"type": "request_settled", "request_id": request_id, "outcome": "ready"}
    for _ in range(2):
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(news))
    wait_for(lambda: queue_is_empty(stack, "notifications"), 30, "the redeliveries")
    assert len(ready_mail(stack, email)) == 1
    again = user.post(f"{api}/api/requests/", json={"tmdb_id": BIG_BUCK_BUNNY}, timeout=10)
    assert (again.status_code, again.json()["Code"]) == (409, "MovieAlreadyAvailable")
