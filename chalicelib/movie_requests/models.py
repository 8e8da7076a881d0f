"""The requests table. Only chalicelib.movie_requests reads or writes it.

Four kinds of item share the table (one aggregate, so one table), told apart by key:

    <request_id>                  the request: movie, state, timeline, requesters
    <request_id>#by#<user_id>     one requester of it (listed per user: requester-index)
    open#tmdb#<tmdb_id>           the open request for a TMDb movie (makes parallel asks one)
    quota#<user_id>               how many open requests the user has (the quota)
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.core.dynamo import settings_table

REQUESTED, APPROVED, ACQUIRING, TRANSCODING = "requested", "approved", "acquiring", "transcoding"
READY, REJECTED, FAILED = "ready", "rejected", "failed"
OPEN_STATES = (REQUESTED, APPROVED, ACQUIRING, TRANSCODING)
SETTLED_STATES = (READY, REJECTED, FAILED)
STATES = OPEN_STATES + SETTLED_STATES


def requester_key(request_id: str, user_id: str) -> str:
    return f"{request_id}#by#{user_id}"


def open_key(tmdb_id: int) -> str:
    return f"open#tmdb#{tmdb_id}"


def quota_key(user_id: str) -> str:
    return f"quota#{user_id}"


class TimelineEntry(MapAttribute[str, str]):
    state = UnicodeAttribute()
    at = UnicodeAttribute()
    note = UnicodeAttribute(null=True)


def timeline_entry(state: str, at: str, note: str | None = None) -> TimelineEntry:
    return TimelineEntry(state=state, at=at, note=note)  # type: ignore[no-untyped-call]


class StateIndex(GlobalSecondaryIndex["RequestRecord"]):
    class Meta:
        index_name = "state-index"
        projection = AllProjection()

    state = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class RequesterIndex(GlobalSecondaryIndex["RequestRecord"]):
    class Meta:
        index_name = "requester-index"
        projection = AllProjection()

    requester_id = UnicodeAttribute(hash_key=True)
    requested_at = UnicodeAttribute(range_key=True)


@settings_table(lambda tables: tables.requests)
class RequestRecord(Model):
    class Meta:
        pass

    request_id = UnicodeAttribute(hash_key=True)

    # The request.
    tmdb_id = NumberAttribute(null=True)
    title = UnicodeAttribute(null=True)
    release_year = NumberAttribute(null=True)
    state = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute(null=True)
    updated_at = UnicodeAttribute(null=True)
    timeline = ListAttribute(of=TimelineEntry, null=True)
    requesters = UnicodeSetAttribute(null=True)
    source = UnicodeAttribute(null=True)  # an http(s) URL or s3://<ingest bucket>/<key>
    movie_id = UnicodeAttribute(null=True)
    movie_created = BooleanAttribute(null=True)  # by this request, so it may discard it
    reason = UnicodeAttribute(null=True)

    # A requester, or the open-request pointer: the request it belongs to.
    target = UnicodeAttribute(null=True)
    requester_id = UnicodeAttribute(null=True)
    requested_at = UnicodeAttribute(null=True)
    closed_at = UnicodeAttribute(null=True)

    # A user's quota.
    open_count = NumberAttribute(null=True)

    state_index = StateIndex()
    requester_index = RequesterIndex()
