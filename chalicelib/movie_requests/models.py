"""The requests table. Only chalicelib.movie_requests reads or writes it.

Four kinds of item share the table (one aggregate, so one table), each a class of its
own (PynamoDB's discriminator, the `kind` attribute), with a key of its own shape:

    RequestRecord       <request_id>                the request: movie, state, timeline
    RequesterRecord     <request_id>#by#<user_id>   one requester of it (requester-index)
    OpenRequestPointer  open#tmdb#<tmdb_id>         the open request for a TMDb movie
                                                    (makes parallel asks one)
    QuotaRecord         quota#<user_id>             how many open requests the user has

Items written before kinds existed have none: read by key they come back as the class
asked for, but queries filter on the kind, so `add_missing_kinds` gives each its kind
(from its key) once, where the tables are deployed (devstack/run.py at each start).
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    DiscriminatorAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.core.clients import aws_client
from chalicelib.core.dynamo import settings_table
from chalicelib.core.settings import get_settings

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


REQUEST, REQUESTER, OPEN_POINTER, QUOTA = "request", "requester", "open", "quota"


def kind_of_key(key: str) -> str:
    """Which kind of item a key names (the shapes above; request ids have no `#`)."""
    if key.startswith("open#tmdb#"):
        return OPEN_POINTER
    if key.startswith("quota#"):
        return QUOTA
    return REQUESTER if "#by#" in key else REQUEST


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


class RequesterIndex(GlobalSecondaryIndex["RequesterRecord"]):
    class Meta:
        index_name = "requester-index"
        projection = AllProjection()

    requester_id = UnicodeAttribute(hash_key=True)
    requested_at = UnicodeAttribute(range_key=True)


@settings_table(lambda tables: tables.requests)
class RequestTableItem(Model):
    """Any item of the requests table: its key (named for the kind most items are) and
    its kind."""

    class Meta:
        pass

    request_id = UnicodeAttribute(hash_key=True)
    kind = DiscriminatorAttribute()

    # The table's indexes are declared here, not on the kinds that fill them: the model is
    # bound to its table (core.dynamo.settings_table) before its kinds exist, and the
    # connection PynamoDB then caches, which the kinds inherit, knows only these.
    state_index = StateIndex()  # requests (RequestRecord.state_index filters on the kind)
    requester_index = RequesterIndex()  # requesters


class RequestRecord(RequestTableItem, discriminator=REQUEST):
    """The request."""

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
    # A large source is acquired by a task (acquire_tasks.py): which run of it has the
    # request, when it must next be heard from, and which deadline check watches it.
    acquire_run = UnicodeAttribute(null=True)
    acquire_task = UnicodeAttribute(null=True)  # the runner's id of it, to stop it
    acquire_deadline = NumberAttribute(null=True)
    acquire_check_due = NumberAttribute(null=True)


class RequesterRecord(RequestTableItem, discriminator=REQUESTER):
    """One requester of a request (`target`)."""

    target = UnicodeAttribute()
    requester_id = UnicodeAttribute()
    requested_at = UnicodeAttribute()
    closed_at = UnicodeAttribute(null=True)  # once the request settled: the quota is back


class OpenRequestPointer(RequestTableItem, discriminator=OPEN_POINTER):
    """The open request (`target`) for a TMDb movie."""

    target = UnicodeAttribute()


class QuotaRecord(RequestTableItem, discriminator=QUOTA):
    open_count = NumberAttribute(null=True)


_KINDS = {REQUEST: RequestRecord, REQUESTER: RequesterRecord, OPEN_POINTER: OpenRequestPointer,
          QUOTA: QuotaRecord}


def add_missing_kinds() -> int:
    """Give each item written before kinds existed its kind, from its key; returns how
    many got one. Safe to repeat, and to run while the app writes (each write is
    conditional on the item lacking one). Queries filter on the kind, which PynamoDB
    cannot be asked not to do, so this reads the table with the plain client."""
    client, table = aws_client("dynamodb"), get_settings().tables.requests
    names = {"#key": "request_id", "#kind": "kind"}
    added = 0
    for page in client.get_paginator("scan").paginate(
            TableName=table, ProjectionExpression="#key",
            FilterExpression="attribute_not_exists(#kind)", ExpressionAttributeNames=names):
        for item in page["Items"]:
            key = item["request_id"]["S"]
            kind = RequestTableItem.kind.serialize(_KINDS[kind_of_key(key)])
            try:
                client.update_item(
                    TableName=table, Key={"request_id": {"S": key}},
                    UpdateExpression="SET #kind = :kind",
                    ConditionExpression="attribute_exists(#key) AND attribute_not_exists(#kind)",
                    ExpressionAttributeNames=names,
                    ExpressionAttributeValues={":kind": {"S": kind}})
            except client.exceptions.ConditionalCheckFailedException:
                continue  # deleted, or written anew, meanwhile
            added += 1
    return added
