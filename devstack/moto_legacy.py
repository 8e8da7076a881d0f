"""moto's server exactly as the dev stack ran it before issue 16 (`REELSTACK_MOTO_LEGACY=1`,
the benchmarks' baseline): two fixes where it differs from AWS in ways the project meets.

1. DynamoDB runs each request, and a transaction as a whole, in isolation. moto's threaded
   server does not: a `TransactWriteItems` whose condition fails restores a deep copy of
   every table it touched, taken before it ran, so writes other threads made meanwhile
   vanish (found by the parallel movie-request test). One lock around moto's DynamoDB
   handler restores the isolation; the other services stay concurrent (SQS long polls
   must not block anyone).
2. `/moto-api/data.json` (where sent e-mail is read) answers 500 once any multipart upload
   happened: it reads `status` of every object ever made, and the parts of a multipart
   upload, which belong to no bucket, and the objects of a deleted bucket fail when they
   look their bucket up. It also reads
   DynamoDB's items while requests change them (a 500 now and then), so it takes the
   DynamoDB lock too.
"""

from __future__ import annotations

import functools
import sys
import threading
from typing import Any

from moto.dynamodb.responses import DynamoHandler
from moto.moto_api._internal.managed_state_model import ManagedState
from moto.moto_api._internal.responses import MotoAPIResponse
from moto.s3.exceptions import MissingBucket
from moto.s3.models import FakeKey

_one_at_a_time = threading.Lock()


def _serialized(method: Any) -> Any:
    @functools.wraps(method)
    def call(*args: Any, **kwargs: Any) -> Any:
        with _one_at_a_time:
            return method(*args, **kwargs)

    return call


def _part_safe(status: Any) -> property:
    def read(key: FakeKey) -> str | None:
        if key.bucket_name is not None:
            try:
                return status.fget(key)  # type: ignore[no-any-return]
            except MissingBucket:
                pass  # an object of a bucket deleted since
        # A multipart upload's part, or an orphan: no bucket to send a restore event from.
        return ManagedState.status.fget(key)  # type: ignore[attr-defined,no-any-return]

    return property(read)


def main(argv: list[str] | None = None) -> None:
    DynamoHandler.call_action = _serialized(DynamoHandler.call_action)  # type: ignore[method-assign]
    FakeKey.status = _part_safe(FakeKey.status)  # type: ignore[assignment,method-assign]
    MotoAPIResponse.model_data = _serialized(MotoAPIResponse.model_data)  # type: ignore[method-assign]
    from moto import server  # after the patches: its URL map binds the handlers

    server.main(argv if argv is not None else sys.argv[1:])
