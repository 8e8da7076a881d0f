"""Throttling: failed logins per e-mail address, and requests per user per minute.

Both are atomic counters in the tokens table, so they hold under concurrent requests:
a login attempt *reserves* one of the allowed attempts before the password is checked.
"""

from __future__ import annotations

import time

from pynamodb.exceptions import UpdateError

from chalicelib.auth.models import TokenModel
from chalicelib.core.dynamo import is_condition_failure
from chalicelib.core.errors import TooManyRequests
from chalicelib.core.settings import Settings


def reserve_login_attempt(settings: Settings, email: str) -> None:
    """Count one attempt for `email`; 429 once the failures in the window reach the limit."""
    now = int(time.time())
    window, limit = settings.login_failure_window_seconds, settings.login_max_failures
    counter = TokenModel(f"login#{email}")
    opens_window = TokenModel.token_id.does_not_exist() | (TokenModel.window_start <= now - window)
    try:
        counter.update(
            actions=[TokenModel.kind.set("login-failures"), TokenModel.hits.set(1),
                     TokenModel.window_start.set(now), TokenModel.expires_at.set(now + window)],
            condition=opens_window,
        )
        return
    except UpdateError as error:
        if not is_condition_failure(error):
            raise
    try:
        counter.update(actions=[TokenModel.hits.add(1)], condition=TokenModel.hits < limit)
    except UpdateError as error:
        if not is_condition_failure(error):
            raise
        current = TokenModel.get(f"login#{email}", consistent_read=True)
        retry_after = int(current.window_start or now) + window - now
        raise TooManyRequests(
            "Too many failed sign-in attempts. Try again later.", retry_after=retry_after
        ) from None


def clear_login_failures(email: str) -> None:
    TokenModel(f"login#{email}").delete()


def count_request(settings: Settings, user_id: str) -> None:
    """One request of `user_id` this minute; 429 past the per-minute limit."""
    now = int(time.time())
    minute = now // 60
    counter = TokenModel(f"rate#{user_id}#{minute}")
    try:
        counter.update(
            actions=[TokenModel.kind.set("rate"), TokenModel.hits.add(1),
                     TokenModel.expires_at.set((minute + 2) * 60)],
            condition=TokenModel.token_id.does_not_exist()
            | (TokenModel.hits < settings.requests_per_minute),
        )
    except UpdateError as error:
        if not is_condition_failure(error):
            raise
        raise TooManyRequests(
            f"More than {settings.requests_per_minute} requests in a minute.",
            retry_after=60 - now % 60,
        ) from None
