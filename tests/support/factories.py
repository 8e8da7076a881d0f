"""Factories: accounts in every state a test needs, and the mail they were sent."""

from __future__ import annotations

import importlib
import itertools
import uuid
from dataclasses import dataclass

from chalicelib.auth.accounts import ADMIN, USER, create_user
from chalicelib.core.settings import get_settings
from devstack.dispatcher import QueuePoller, subscriptions
from devstack.mailbox import SentMail, mail_to

DEFAULT_PASSWORD = "correct horse battery"
_numbers = itertools.count(1)
_RUN = uuid.uuid4().hex[:6]  # emulators such as LocalStack keep mail across test runs


def new_email() -> str:
    return f"user{next(_numbers)}-{_RUN}@example.com"


@dataclass(frozen=True)
class TestAccount:
    __test__ = False  # a factory product, not a test class

    user_id: str
    email: str
    password: str


def make_account(*, role: str = USER, active: bool = True, email: str | None = None,
                 password: str = DEFAULT_PASSWORD) -> TestAccount:
    address = email or new_email()
    user = create_user(address, password, role=role, active=active)
    return TestAccount(user.user_id, address, password)


def make_admin() -> TestAccount:
    return make_account(role=ADMIN)


def drain_queue(queue: str, *, allow_failures: bool = False) -> int:
    """Run the app's handler of `queue` over what is queued, as the dispatcher would;
    returns how many messages it took."""
    app = importlib.import_module("app").app
    [subscription] = [s for s in subscriptions(app) if s.queue_name == queue]
    poller, delivered = QueuePoller(subscription), 0
    while (report := poller.poll_once(wait_seconds=0)).received:
        assert allow_failures or report.failed == [], f"a message of {queue} failed"
        delivered += report.received
        if report.failed:
            break  # they come back only after their visibility timeout
    return delivered


def deliver_notifications() -> int:
    """Run the notifications handler over what is queued, as the dispatcher would."""
    return drain_queue(get_settings().queues.notifications)


def inbox(address: str) -> list[SentMail]:
    deliver_notifications()
    return mail_to(get_settings().endpoint_url or "", address)


def last_link(address: str, containing: str) -> str:
    links = [link for mail in inbox(address) for link in mail.links if containing in link]
    assert links, f"no mail to {address} with a {containing!r} link"
    return links[-1]
