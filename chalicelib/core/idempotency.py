"""Do a piece of work once per key, even when its message is delivered twice.

A record per key in the jobs table: claimed `in_progress` with a lease (so a worker
that died does not block the key forever), then `done` until it expires. DynamoDB's
TTL deletes expired records late (and emulators never do), so expiry is also checked
in every condition.

The lease lasts as long as the Lambda invocation that claimed the key can still run
(`within_invocation`): a handler killed at its timeout frees the key by the time SQS
redelivers the message, instead of answering `WorkInProgress` until it dead-letters.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Protocol, TypeVar

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError
from pynamodb.models import Model

from chalicelib.core.dynamo import is_condition_failure, settings_table
from chalicelib.core.errors import Conflict

Result = TypeVar("Result")

IN_PROGRESS = "in_progress"
DONE = "done"
DEFAULT_KEEP_SECONDS = 7 * 24 * 3600
# Outside an invocation (a script, a test) nothing says when the work must end: the
# longest a Lambda function may run.
DEFAULT_LEASE_SECONDS = 15 * 60
# Clocks differ a little between the Lambda host and DynamoDB's callers.
LEASE_MARGIN_SECONDS = 5


class InvocationContext(Protocol):
    """The part of Lambda's context object a lease needs."""

    def get_remaining_time_in_millis(self) -> int: ...


_invocation: ContextVar[InvocationContext | None] = ContextVar("idempotency_invocation",
                                                               default=None)


@contextmanager
def within_invocation(context: Any) -> Iterator[None]:
    """Claims made inside hold their key until this invocation must have ended: Lambda's
    context (`get_remaining_time_in_millis`) or the dev stack's stand-in for it."""
    token = _invocation.set(context if hasattr(context, "get_remaining_time_in_millis")
                            else None)
    try:
        yield
    finally:
        _invocation.reset(token)


def lease_seconds_now() -> int:
    """How long a claim made now must hold: what is left of the invocation, plus a margin."""
    context = _invocation.get()
    if context is None:
        return DEFAULT_LEASE_SECONDS
    remaining = max(0, context.get_remaining_time_in_millis())
    return math.ceil(remaining / 1000) + LEASE_MARGIN_SECONDS


class WorkInProgress(Conflict):
    """Another worker holds the key: retry the message later."""

    code = "WorkInProgress"


@settings_table(lambda tables: tables.jobs)
class IdempotencyRecord(Model):
    class Meta:
        pass

    key = UnicodeAttribute(hash_key=True)
    state = UnicodeAttribute()
    lease_until = NumberAttribute()
    expires_at = NumberAttribute()  # the table's TTL attribute


def claim(key: str, *, lease_seconds: int | None = None,
          clock: Callable[[], float] = time.time) -> bool:
    """True if the caller now owns `key`; False if the work is already done.

    Raises `WorkInProgress` while another worker's lease on the key is live. The lease
    is `lease_seconds`, or else what the running invocation has left (see module doc).
    """
    now = int(clock())
    if lease_seconds is None:
        lease_seconds = lease_seconds_now()
    record = IdempotencyRecord(
        key, state=IN_PROGRESS, lease_until=now + lease_seconds, expires_at=now + lease_seconds
    )
    free = (
        IdempotencyRecord.key.does_not_exist()
        | (IdempotencyRecord.expires_at < now)
        | ((IdempotencyRecord.state == IN_PROGRESS) & (IdempotencyRecord.lease_until < now))
    )
    try:
        record.save(condition=free)
        return True
    except PutError as error:
        if not is_condition_failure(error):
            raise
    current = IdempotencyRecord.get(key, consistent_read=True)
    if current.state == DONE:
        return False
    raise WorkInProgress(f"{key} is being processed by another worker.")


def complete(key: str, *, keep_seconds: int = DEFAULT_KEEP_SECONDS) -> None:
    now = int(time.time())
    IdempotencyRecord(key, state=DONE, lease_until=now, expires_at=now + keep_seconds).save()


def release(key: str) -> None:
    """Give the key up after a failure so that a retry can claim it at once."""
    IdempotencyRecord(key).delete()


def run_once(key: str, work: Callable[[], Result]) -> tuple[bool, Result | None]:
    """Run `work` unless it already ran for `key`: (ran, result)."""
    if not claim(key):
        return False, None
    try:
        result = work()
    except BaseException:
        release(key)
        raise
    complete(key)
    return True, result
