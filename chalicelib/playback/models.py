"""The playback context's tables: plans, devices, watch-session slots, positions."""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.core.dynamo import settings_table

PLANS_SCOPE = "plans"


@settings_table(lambda tables: tables.plans)
class PlanModel(Model):
    class Meta:
        pass

    scope = UnicodeAttribute(hash_key=True, default=PLANS_SCOPE)
    plan_id = UnicodeAttribute(range_key=True)
    name = UnicodeAttribute()
    max_streams = NumberAttribute()
    max_resolution = NumberAttribute()  # the tallest rendition height a member receives
    price_cents = NumberAttribute(null=True)
    created_at = UnicodeAttribute()


@settings_table(lambda tables: tables.devices)
class DeviceModel(Model):
    class Meta:
        pass

    user_id = UnicodeAttribute(hash_key=True)
    device_id = UnicodeAttribute(range_key=True)
    name = UnicodeAttribute()
    device_type = UnicodeAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()


DEVICE_COUNT_PREFIX = "device-count#"


@settings_table(lambda tables: tables.devices)
class DeviceCountModel(Model):
    """How many devices a user has registered. A registration adds one in the same
    transaction as the device, on the condition that the count stays within the limit, so
    the limit holds, and fills exactly, under any burst. It lives in the devices table in a
    partition of its own (`device-count#<user_id>`: user ids hold no `#`), so a Query of a
    user's devices never meets it."""

    class Meta:
        pass

    partition = UnicodeAttribute(hash_key=True, attr_name="user_id")
    kind = UnicodeAttribute(range_key=True, attr_name="device_id", default="count")
    registered = NumberAttribute()


@settings_table(lambda tables: tables.sessions)
class StreamSlotModel(Model):
    """One of a user's stream slots, held by a watch session until its lease runs out."""

    class Meta:
        pass

    user_id = UnicodeAttribute(hash_key=True)
    slot = UnicodeAttribute(range_key=True)  # slot#0 .. slot#(max_streams-1)
    session_id = UnicodeAttribute()
    movie_id = UnicodeAttribute()
    device_id = UnicodeAttribute()
    started_at = NumberAttribute()
    heartbeat_at = NumberAttribute()
    lease_expires_at = NumberAttribute()
    position = NumberAttribute(default=0)
    ended = BooleanAttribute(default=False)
    evicted_by = UnicodeAttribute(null=True)
    # The earliest time the next heartbeat is accepted: a session beats every interval,
    # not in a loop. Unset until its first heartbeat.
    heartbeat_not_before = NumberAttribute(null=True)
    expires_at = NumberAttribute()  # TTL: long after the lease, for 410 answers
    # The movie's version the session plays (a client without a token: the one it claimed
    # on, or last fetched). While a replacement is only playable, the session stays on it
    # (`catalog.playable.playable_movie`). Unset on rows written before it existed.
    version = UnicodeAttribute(null=True)


class RecentProgressIndex(GlobalSecondaryIndex["ProgressModel"]):
    class Meta:
        index_name = "recent-index"
        projection = AllProjection()

    user_id = UnicodeAttribute(hash_key=True)
    updated_at = UnicodeAttribute(range_key=True)


@settings_table(lambda tables: tables.progress)
class ProgressModel(Model):
    class Meta:
        pass

    user_id = UnicodeAttribute(hash_key=True)
    movie_id = UnicodeAttribute(range_key=True)
    position = NumberAttribute()
    duration = NumberAttribute(null=True)
    finished = BooleanAttribute(default=False)
    updated_at = UnicodeAttribute()

    recent_index = RecentProgressIndex()
