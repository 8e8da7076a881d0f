"""Reads and writes of the requests table: filing, joining, moving state, closing.

The invariants that must hold under races are conditional writes in one transaction:
one open request per TMDb movie (the `open#tmdb#` pointer is created only if absent),
one requester item per user and request, and a user's count of open requests below the
quota (the counter is raised only while under it, and lowered once per requester when the
request settles, guarded by the requester item's `closed_at`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import DeleteError, DoesNotExist, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib.core.clock import now_iso
from chalicelib.core.cursors import cursor_after, start_key
from chalicelib.core.dynamo import back_off, is_condition_failure, transaction_connection
from chalicelib.core.errors import Conflict, NotFound, TooManyRequests
from chalicelib.movie_requests.models import (
    OPEN_STATES,
    REQUESTED,
    RequestRecord,
    open_key,
    quota_key,
    requester_key,
    timeline_entry,
)

RETRIES = 10
CONDITION_FAILED = "ConditionalCheckFailed"
QUOTA_RETRY_AFTER_SECONDS = 3600
CONFLICT_BACK_OFF_SECONDS = 0.02  # transactions on one popular request conflict


class RequestQuotaReached(TooManyRequests):
    code = "RequestQuotaReached"


class RequestSettled(Conflict):
    """The request is no longer open (it settled while we looked)."""

    code = "RequestSettled"


@dataclass(frozen=True)
class WantedMovie:
    tmdb_id: int
    title: str
    release_year: int | None


@dataclass(frozen=True)
class Filing:
    request: RequestRecord
    created: bool  # a new request, not one joined


@dataclass(frozen=True)
class RequestPage:
    requests: list[tuple[RequestRecord, str]]  # with when this user asked
    next_cursor: str | None


def get_request(request_id: str) -> RequestRecord:
    try:
        record = RequestRecord.get(request_id, consistent_read=True)
    except DoesNotExist:
        raise NotFound(f"No movie request {request_id!r}.") from None
    if record.state is None:  # a key of another kind of item
        raise NotFound(f"No movie request {request_id!r}.")
    return record


def open_request_id(tmdb_id: int) -> str | None:
    try:
        return RequestRecord.get(open_key(tmdb_id), consistent_read=True).target
    except DoesNotExist:
        return None


def is_requester(request_id: str, user_id: str) -> bool:
    try:
        RequestRecord.get(requester_key(request_id, user_id), consistent_read=True)
    except DoesNotExist:
        return False
    return True


def join_request(request_id: str, user_id: str, max_open: int) -> RequestRecord:
    """Add the user to an open request. Raises RequestSettled if it is not open any more."""
    for attempt in range(RETRIES):
        stamp = now_iso()
        try:
            with TransactWrite(connection=transaction_connection()) as transaction:
                transaction.save(_requester(request_id, user_id, stamp),
                                 condition=RequestRecord.request_id.does_not_exist())
                _count_one_more(transaction, user_id, max_open)
                transaction.update(RequestRecord(request_id), actions=[
                    RequestRecord.requesters.add({user_id}),
                    RequestRecord.updated_at.set(stamp),
                ], condition=RequestRecord.state.is_in(*OPEN_STATES))
        except TransactWriteError as error:
            asked_before, over_quota, settled = _reasons(error)[:3]
            if asked_before == CONDITION_FAILED:
                return get_request(request_id)  # asked twice: nothing changes
            if over_quota == CONDITION_FAILED:
                raise _quota_reached(max_open) from None
            if settled == CONDITION_FAILED:
                raise RequestSettled("The request settled meanwhile.") from None
            back_off(attempt, CONFLICT_BACK_OFF_SECONDS)
            continue
        return get_request(request_id)
    raise Conflict("Many people are asking for this movie right now; try again.")


def file_request(movie: WantedMovie, user_id: str, max_open: int) -> RequestRecord | None:
    """A new request with the user as its first requester; None if another request for
    the movie was filed meanwhile (join that one instead)."""
    request_id, stamp = uuid.uuid4().hex, now_iso()
    request = RequestRecord(
        request_id, tmdb_id=movie.tmdb_id, title=movie.title, release_year=movie.release_year,
        state=REQUESTED, created_at=stamp, updated_at=stamp, requesters={user_id},
        timeline=[timeline_entry(REQUESTED, stamp)],
    )
    pointer = RequestRecord(open_key(movie.tmdb_id), target=request_id)
    for attempt in range(RETRIES):
        try:
            with TransactWrite(connection=transaction_connection()) as transaction:
                transaction.save(_requester(request_id, user_id, stamp))
                transaction.save(pointer, condition=RequestRecord.request_id.does_not_exist())
                transaction.save(request, condition=RequestRecord.request_id.does_not_exist())
                _count_one_more(transaction, user_id, max_open)
        except TransactWriteError as error:
            _, pointer_taken, _, over_quota = _reasons(error)[:4]
            if pointer_taken == CONDITION_FAILED:
                return None
            if over_quota == CONDITION_FAILED:
                raise _quota_reached(max_open) from None
            back_off(attempt, CONFLICT_BACK_OFF_SECONDS)
            continue
        return request
    raise Conflict("Many people are asking for this movie right now; try again.")


def _count_one_more(transaction: TransactWrite, user_id: str, max_open: int) -> None:
    counter = RequestRecord.open_count
    transaction.update(
        RequestRecord(quota_key(user_id)), actions=[counter.add(1)],
        condition=counter.does_not_exist() | (counter < max_open),
    )


def _requester(request_id: str, user_id: str, stamp: str) -> RequestRecord:
    return RequestRecord(requester_key(request_id, user_id), target=request_id,
                         requester_id=user_id, requested_at=stamp)


def _quota_reached(max_open: int) -> RequestQuotaReached:
    return RequestQuotaReached(
        f"You already have {max_open} open movie requests; wait until one is settled.",
        retry_after=QUOTA_RETRY_AFTER_SECONDS, max_open=max_open,
    )


def _reasons(error: TransactWriteError) -> list[str | None]:
    """Why each item failed, in the order PynamoDB sends them: condition checks, deletes,
    puts, updates (each transaction here is written in that order, so indexes match)."""
    reasons = [reason.code if reason else None for reason in error.cancellation_reasons]
    return reasons + [None] * 4


def move(request_id: str, to_state: str, *, allowed_from: Iterable[str],
         note: str | None = None, **fields: Any) -> RequestRecord | None:
    """Set the state (and fields) if the request is in one of `allowed_from`, appending to
    its timeline. None when it is not (someone else moved it first)."""
    stamp = now_iso()
    actions: list[Any] = [RequestRecord.state.set(to_state), RequestRecord.updated_at.set(stamp),
               RequestRecord.timeline.set(
                   RequestRecord.timeline.append([timeline_entry(to_state, stamp, note)]))]
    for name, value in fields.items():
        attribute = getattr(RequestRecord, name)
        actions.append(attribute.remove() if value is None else attribute.set(value))
    try:
        RequestRecord(request_id).update(
            actions=actions, condition=RequestRecord.state.is_in(*allowed_from))
    except UpdateError as error:
        if is_condition_failure(error):
            return None
        raise
    return get_request(request_id)


def close(request: RequestRecord) -> None:
    """Release what a settled request holds: its pointer and each requester's quota.
    Safe to repeat: each requester is closed once, the pointer only if it is this one's."""
    try:
        RequestRecord(open_key(int(request.tmdb_id or 0))).delete(
            condition=RequestRecord.target == request.request_id)
    except DeleteError as error:
        if not is_condition_failure(error):
            raise
    for user_id in sorted(request.requesters or ()):
        close_requester(request.request_id, user_id)


def close_requester(request_id: str, user_id: str) -> bool:
    for attempt in range(RETRIES):
        try:
            with TransactWrite(connection=transaction_connection()) as transaction:
                transaction.update(
                    RequestRecord(requester_key(request_id, user_id)),
                    actions=[RequestRecord.closed_at.set(now_iso())],
                    condition=RequestRecord.request_id.exists()
                    & RequestRecord.closed_at.does_not_exist(),
                )
                transaction.update(RequestRecord(quota_key(user_id)),
                                   actions=[RequestRecord.open_count.add(-1)],
                                   condition=RequestRecord.open_count > 0)
        except TransactWriteError as error:
            if CONDITION_FAILED in _reasons(error)[:2]:
                return False  # closed before, or the user is gone
            back_off(attempt, CONFLICT_BACK_OFF_SECONDS)
            continue
        return True
    raise Conflict(f"Could not close request {request_id} for {user_id}; retry.")


def requests_of(user_id: str, limit: int, cursor: str | None) -> RequestPage:
    query = f"requests|{user_id}"
    result = RequestRecord.requester_index.query(
        user_id, scan_index_forward=False, limit=limit, page_size=limit,
        last_evaluated_key=start_key(query, cursor),
    )
    mine = [(row.target or "", row.requested_at or "") for row in result]
    found = {r.request_id: r for r in RequestRecord.batch_get([t for t, _ in mine])}
    full = len(mine) == limit
    return RequestPage([(found[t], at) for t, at in mine if t in found],
                       cursor_after(query, result.last_evaluated_key if full else None))


def requests_in_state(state: str, limit: int, cursor: str | None) -> RequestPage:
    query = f"requests-in|{state}"
    result = RequestRecord.state_index.query(
        state, limit=limit, page_size=limit, last_evaluated_key=start_key(query, cursor))
    rows = list(result)
    full = len(rows) == limit
    return RequestPage([(row, row.created_at or "") for row in rows],
                       cursor_after(query, result.last_evaluated_key if full else None))


def forget_requester(user_id: str) -> None:
    """An erased account leaves every request it was part of (account deletion)."""
    for row in RequestRecord.requester_index.query(user_id):
        target = row.target or ""
        close_requester(target, user_id)
        try:
            RequestRecord(target).update(actions=[RequestRecord.requesters.delete({user_id})],
                                         condition=RequestRecord.request_id.exists())
        except UpdateError as error:
            if not is_condition_failure(error):
                raise
        row.delete()
    RequestRecord(quota_key(user_id)).delete()
