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
from pynamodb.expressions.condition import Condition

from chalicelib.core.clock import now_iso
from chalicelib.core.cursors import cursor_after, start_key
from chalicelib.core.dynamo import (
    CONDITION_FAILED,
    NamedTransaction,
    back_off,
    is_condition_failure,
)
from chalicelib.core.errors import Conflict, NotFound, TooManyRequests
from chalicelib.movie_requests.models import (
    OPEN_STATES,
    REQUEST,
    REQUESTED,
    OpenRequestPointer,
    QuotaRecord,
    RequesterRecord,
    RequestRecord,
    kind_of_key,
    open_key,
    quota_key,
    requester_key,
    timeline_entry,
)

RETRIES = 10
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
    if kind_of_key(request_id) != REQUEST:  # the key of another kind of item
        raise NotFound(f"No movie request {request_id!r}.")
    try:
        return RequestRecord.get(request_id, consistent_read=True)
    except DoesNotExist:
        raise NotFound(f"No movie request {request_id!r}.") from None


def open_request_id(tmdb_id: int) -> str | None:
    try:
        return OpenRequestPointer.get(open_key(tmdb_id), consistent_read=True).target
    except DoesNotExist:
        return None


def is_requester(request_id: str, user_id: str) -> bool:
    try:
        RequesterRecord.get(requester_key(request_id, user_id), consistent_read=True)
    except DoesNotExist:
        return False
    return True


def join_request(request_id: str, user_id: str, max_open: int) -> RequestRecord:
    """Add the user to an open request. Raises RequestSettled if it is not open any more."""
    for attempt in range(RETRIES):
        stamp = now_iso()
        try:
            with NamedTransaction() as transaction:
                transaction.save("requester", _requester(request_id, user_id, stamp),
                                 condition=RequesterRecord.request_id.does_not_exist())
                _count_one_more(transaction, user_id, max_open)
                transaction.update("request", RequestRecord(request_id), actions=[
                    RequestRecord.requesters.add({user_id}),
                    RequestRecord.updated_at.set(stamp),
                ], condition=RequestRecord.state.is_in(*OPEN_STATES))
        except TransactWriteError as error:
            reasons = transaction.reasons(error)
            if reasons["requester"] == CONDITION_FAILED:
                return get_request(request_id)  # asked twice: nothing changes
            if reasons["quota"] == CONDITION_FAILED:
                raise _quota_reached(max_open) from None
            if reasons["request"] == CONDITION_FAILED:
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
    pointer = OpenRequestPointer(open_key(movie.tmdb_id), target=request_id)
    for attempt in range(RETRIES):
        try:
            with NamedTransaction() as transaction:
                transaction.save("requester", _requester(request_id, user_id, stamp))
                transaction.save("pointer", pointer,
                                 condition=OpenRequestPointer.request_id.does_not_exist())
                transaction.save("request", request,
                                 condition=RequestRecord.request_id.does_not_exist())
                _count_one_more(transaction, user_id, max_open)
        except TransactWriteError as error:
            reasons = transaction.reasons(error)
            if reasons["pointer"] == CONDITION_FAILED:
                return None
            if reasons["quota"] == CONDITION_FAILED:
                raise _quota_reached(max_open) from None
            back_off(attempt, CONFLICT_BACK_OFF_SECONDS)
            continue
        return request
    raise Conflict("Many people are asking for this movie right now; try again.")


def _count_one_more(transaction: NamedTransaction, user_id: str, max_open: int) -> None:
    """The `quota` item of `transaction`; the first count creates it, with its kind."""
    counter = QuotaRecord.open_count
    transaction.update(
        "quota", QuotaRecord(quota_key(user_id)),
        actions=[counter.add(1), QuotaRecord.kind.set(QuotaRecord)],
        condition=counter.does_not_exist() | (counter < max_open),
    )


def _requester(request_id: str, user_id: str, stamp: str) -> RequesterRecord:
    return RequesterRecord(requester_key(request_id, user_id), target=request_id,
                         requester_id=user_id, requested_at=stamp)


def _quota_reached(max_open: int) -> RequestQuotaReached:
    return RequestQuotaReached(
        f"You already have {max_open} open movie requests; wait until one is settled.",
        retry_after=QUOTA_RETRY_AFTER_SECONDS, max_open=max_open,
    )


def move(request_id: str, to_state: str, *, allowed_from: Iterable[str],
         note: str | None = None, unless_changed: Condition | None = None,
         **fields: Any) -> RequestRecord | None:
    """Set the state (and fields) if the request is in one of `allowed_from` (and
    `unless_changed` holds), appending to its timeline. None when it is not (someone else
    moved it first)."""
    stamp = now_iso()
    actions: list[Any] = [RequestRecord.state.set(to_state), RequestRecord.updated_at.set(stamp),
               RequestRecord.timeline.set(
                   RequestRecord.timeline.append([timeline_entry(to_state, stamp, note)]))]
    for name, value in fields.items():
        attribute = getattr(RequestRecord, name)
        actions.append(attribute.remove() if value is None else attribute.set(value))
    condition = RequestRecord.state.is_in(*allowed_from)
    try:
        RequestRecord(request_id).update(
            actions=actions,
            condition=condition if unless_changed is None else condition & unless_changed)
    except UpdateError as error:
        if is_condition_failure(error):
            return None
        raise
    return get_request(request_id)


def update_if(request_id: str, condition: Condition, **fields: Any) -> bool:
    """Set (or, for None, remove) fields while `condition` holds; False when it does not."""
    actions = [getattr(RequestRecord, name).remove() if value is None
               else getattr(RequestRecord, name).set(value) for name, value in fields.items()]
    try:
        RequestRecord(request_id).update(
            actions=[*actions, RequestRecord.updated_at.set(now_iso())], condition=condition)
    except UpdateError as error:
        if is_condition_failure(error):
            return False
        raise
    return True


def close(request: RequestRecord) -> None:
    """Release what a settled request holds: its pointer and each requester's quota.
    Safe to repeat: each requester is closed once, the pointer only if it is this one's."""
    try:
        OpenRequestPointer(open_key(int(request.tmdb_id or 0))).delete(
            condition=OpenRequestPointer.target == request.request_id)
    except DeleteError as error:
        if not is_condition_failure(error):
            raise
    for user_id in sorted(request.requesters or ()):
        close_requester(request.request_id, user_id)


def close_requester(request_id: str, user_id: str) -> bool:
    for attempt in range(RETRIES):
        try:
            with NamedTransaction() as transaction:
                transaction.update(
                    "requester", RequesterRecord(requester_key(request_id, user_id)),
                    actions=[RequesterRecord.closed_at.set(now_iso())],
                    condition=RequesterRecord.request_id.exists()
                    & RequesterRecord.closed_at.does_not_exist(),
                )
                transaction.update("quota", QuotaRecord(quota_key(user_id)),
                                   actions=[QuotaRecord.open_count.add(-1)],
                                   condition=QuotaRecord.open_count > 0)
        except TransactWriteError as error:
            if CONDITION_FAILED in transaction.reasons(error).values():
                return False  # closed before, or the user is gone
            back_off(attempt, CONFLICT_BACK_OFF_SECONDS)
            continue
        return True
    raise Conflict(f"Could not close request {request_id} for {user_id}; retry.")


def requests_of(user_id: str, limit: int, cursor: str | None) -> RequestPage:
    query = f"requests|{user_id}"
    result = RequesterRecord.requester_index.query(
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
    for row in RequesterRecord.requester_index.query(user_id):
        target = row.target or ""
        close_requester(target, user_id)
        try:
            RequestRecord(target).update(actions=[RequestRecord.requesters.delete({user_id})],
                                         condition=RequestRecord.request_id.exists())
        except UpdateError as error:
            if not is_condition_failure(error):
                raise
        row.delete()
    QuotaRecord(quota_key(user_id)).delete()
