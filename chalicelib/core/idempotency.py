"""Do a piece of work once per key, even when its message is delivered twice.

A record per key in the jobs table: claimed `in_progress` with a lease (so a worker
that died does not block the key forever), then `done` until it expires. DynamoDB's
TTL deletes expired records late (and emulators never do), so expiry is also checked
in every condition.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError
from pynamodb.models import Model

from chalicelib.core.dynamo import is_condition_failure, settings_table
from chalicelib.core.errors import Conflict

Result = TypeVar("Result")

IN_PROGRESS = "in_progress"
DONE = "done"
DEFAULT_KEEP_SECONDS = 7 * 24 * 3600
DEFAULT_LEASE_SECONDS = 15 * 60


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


def claim(key: str, *, lease_seconds: int = DEFAULT_LEASE_SECONDS) -> bool:
    """True if the caller now owns `key`; False if the work is already done.

    Raises `WorkInProgress` while another worker's lease on the key is live.
    """
    now = int(time.time())
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
