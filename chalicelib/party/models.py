"""The party context's tables: one item per party, one per open WebSocket connection.

A party is read and written whole: every rule (members, control, the sync state, chat
quotas) is checked on the item as read, and the new item is put on the condition that
its `revision` is still the one read. So concurrent commands resolve to one state, one
after the other, and a write never mixes two readers' views.
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
)
from pynamodb.models import Model

from chalicelib.core.dynamo import settings_table


class MemberAttribute(MapAttribute[str, object]):
    user_id = UnicodeAttribute()
    name = UnicodeAttribute()
    joined_at = NumberAttribute()


class ConnectionAttribute(MapAttribute[str, object]):
    connection_id = UnicodeAttribute()
    user_id = UnicodeAttribute()


class QuotaAttribute(MapAttribute[str, object]):
    """What a member sent in the current window (its number: epoch // window length)."""

    user_id = UnicodeAttribute()
    window = NumberAttribute()
    commands = NumberAttribute()
    chat = NumberAttribute()


class PlaybackStateAttribute(MapAttribute[str, object]):
    playing = BooleanAttribute()
    position = NumberAttribute()
    rate = NumberAttribute()
    at = NumberAttribute()
    version = NumberAttribute()
    waiting_for = ListAttribute(of=UnicodeAttribute, default=list)  # connection ids
    wait_until = NumberAttribute(null=True)


@settings_table(lambda tables: tables.parties)
class PartyModel(Model):
    class Meta:
        pass

    party_id = UnicodeAttribute(hash_key=True)
    revision = NumberAttribute()
    movie_id = UnicodeAttribute()
    movie_title = UnicodeAttribute()
    host_user_id = UnicodeAttribute()
    control = UnicodeAttribute()
    invite_code = UnicodeAttribute()
    created_at = NumberAttribute()
    ends_at = NumberAttribute()
    ended_at = NumberAttribute(null=True)
    empty_since = NumberAttribute(null=True)
    members = ListAttribute(of=MemberAttribute, default=list)
    removed = ListAttribute(of=UnicodeAttribute, default=list)
    connections = ListAttribute(of=ConnectionAttribute, default=list)
    quotas = ListAttribute(of=QuotaAttribute, default=list)
    state = PlaybackStateAttribute()  # type: ignore[no-untyped-call]
    expires_at = NumberAttribute()  # TTL, well after the party is over (410s, not 404s)


@settings_table(lambda tables: tables.party_connections)
class PartyConnectionModel(Model):
    """Which party an open connection belongs to: $disconnect names only the connection."""

    class Meta:
        pass

    connection_id = UnicodeAttribute(hash_key=True)
    party_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    connected_at = NumberAttribute()
    expires_at = NumberAttribute()  # TTL: API Gateway closes a connection after 2 hours
