"""Throttling: failed logins per e-mail address, and e-mails per address and per client.

Each is an atomic counter in the tokens table over a fixed window, so it holds under
concurrent requests: an attempt *reserves* one of the allowed ones before the work is
done. (Requests per user per minute are counted on the account item: admission.py.)
"""

from __future__ import annotations

import time

from pynamodb.exceptions import UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from chalicelib.auth.models import AddressMail, ClientMail, LoginFailures, ThrottleCounter
from chalicelib.core.dynamo import is_condition_failure
from chalicelib.core.errors import TooManyRequests
from chalicelib.core.settings import Settings


def _reserve(counter_id: str, kind: type[ThrottleCounter], limit: int, window: int
             ) -> int | None:
    """Take one of `limit` uses of the window `counter_id` is in: None if taken, else the
    seconds until the window ends. One write while a window is open; opening one takes
    a second (DynamoDB cannot choose between counting and restarting in one update)."""
    now = int(time.time())
    counter = kind(counter_id)
    open_now = ThrottleCounter.window_start > now - window
    for _ in range(2):  # a concurrent caller may open the window between the two writes
        if _updated(counter, [ThrottleCounter.hits.add(1)],
                    open_now & (ThrottleCounter.hits < limit)):
            return None
        if _updated(counter, [ThrottleCounter.kind.set(kind), ThrottleCounter.hits.set(1),
                              ThrottleCounter.window_start.set(now),
                              ThrottleCounter.expires_at.set(now + window)],
                    ThrottleCounter.token_id.does_not_exist() | ~open_now):
            return None
        current = kind.get(counter_id, consistent_read=True)
        if int(current.hits or 0) >= limit:
            return int(current.window_start or now) + window - now
    return 1


def _updated(counter: ThrottleCounter, actions: list[Action], condition: Condition) -> bool:
    try:
        counter.update(actions=actions, condition=condition)
    except UpdateError as error:
        if not is_condition_failure(error):
            raise
        return False
    return True


def reserve_login_attempt(settings: Settings, email: str) -> None:
    """Count one attempt for `email`; 429 once the failures in the window reach the limit."""
    retry_after = _reserve(f"login#{email}", LoginFailures, settings.login_max_failures,
                           settings.login_failure_window_seconds)
    if retry_after is not None:
        raise TooManyRequests("Too many failed sign-in attempts. Try again later.",
                              retry_after=retry_after)


def clear_login_failures(email: str) -> None:
    LoginFailures(f"login#{email}").delete()


def reserve_client_mail(settings: Settings, client: str) -> None:
    """Count one request from `client` (its source IP) that may send an e-mail (sign-up,
    password reset); 429 past the limit, whatever the addresses."""
    retry_after = _reserve(f"client-mail#{client}", ClientMail,
                           settings.mail.per_client, settings.mail.window_seconds)
    if retry_after is not None:
        raise TooManyRequests("Too many sign-up or password reset requests from this "
                              "network. Try again later.", retry_after=retry_after)


def reserve_address_mail(settings: Settings, email: str) -> bool:
    """Count one account e-mail to `email`: False when the address had its share of the
    window (the mail is then not sent; the requester was answered long ago)."""
    return _reserve(f"mail#{email}", AddressMail, settings.mail.per_address,
                    settings.mail.window_seconds) is None
