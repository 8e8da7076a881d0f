"""Watch sessions as leases in a user's stream slots.

A plan with `max_streams = n` gives the user slots `slot#0 .. slot#(n-1)`. Starting a
session claims a slot with a conditional write (free, or its lease ran out), so the limit
holds under any race and a session that stops heartbeating frees its slot by itself: no
cleanup job, no scan. Stealing overwrites the victim's slot on the condition that the
victim still holds it; the victim's next heartbeat gets 410.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from chalicelib.core.clock import now_iso
from chalicelib.core.dynamo import is_condition_failure, transaction_connection
from chalicelib.core.errors import Conflict, Gone, InvalidInput, NotFound
from chalicelib.core.settings import get_settings
from chalicelib.playback.models import ProgressModel, StreamSlotModel
from chalicelib.playback.plans import Plan

Clock = Callable[[], float]
KEEP_ENDED_SECONDS = 86400  # how long a 410 can still say "evicted" rather than "unknown"


class StreamLimitReached(Conflict):
    code = "StreamLimitReached"


class SessionEvicted(Gone):
    code = "SessionEvicted"


class SessionExpired(Gone):
    code = "SessionExpired"


@dataclass(frozen=True)
class WatchSession:
    session_id: str
    user_id: str
    movie_id: str
    device_id: str
    lease_expires_at: float
    position: float

    @property
    def slot(self) -> str:
        return slot_of(self.session_id)


def slot_of(session_id: str) -> str:
    """Session ids carry their slot and movie (`<slot>_<movie>_<random>`), so a heartbeat
    is one write with no read first."""
    index, _, _ = session_id.partition("_")
    if not index.isdigit():
        raise NotFound("No such watch session.")
    return f"slot#{index}"


def movie_of(session_id: str) -> str:
    parts = session_id.split("_")
    if len(parts) != 3:
        raise NotFound("No such watch session.")
    return parts[1]


def is_live(slot: StreamSlotModel, now: float) -> bool:
    return not slot.ended and slot.lease_expires_at > now


def public_session(slot: StreamSlotModel) -> dict[str, Any]:
    return {"watch_session_id": slot.session_id, "movie_id": slot.movie_id,
            "device_id": slot.device_id, "started_at": slot.started_at,
            "last_heartbeat_at": slot.heartbeat_at, "lease_expires_at": slot.lease_expires_at,
            "position": float(slot.position)}


def live_slots(user_id: str, now: float) -> list[StreamSlotModel]:
    return [s for s in StreamSlotModel.query(user_id, consistent_read=True) if is_live(s, now)]


def start(user_id: str, movie_id: str, device_id: str, plan: Plan, position: float, *,
          steal: bool = False, evict_session_id: str | None = None,
          clock: Clock = time.time) -> WatchSession:
    now = clock()
    live = live_slots(user_id, now)
    same_device = next((s for s in live if s.device_id == device_id), None)
    if same_device is not None:  # the device starts again: it takes over its own slot
        return _claim(user_id, same_device.slot, movie_id, device_id=device_id,
                      position=position, now=now, holder=same_device.session_id)
    if len(live) < plan.max_streams:
        taken = {s.slot for s in live}
        for index in range(plan.max_streams):
            slot = f"slot#{index}"
            if slot not in taken:
                try:
                    return _claim(user_id, slot, movie_id, device_id=device_id,
                                  position=position, now=now)
                except Conflict:
                    continue  # someone else took it a moment ago: try the next one
        live = live_slots(user_id, now)
    if not steal:
        raise StreamLimitReached(
            f"Your plan allows {plan.max_streams} stream(s) at a time and they are all in use.",
            max_streams=plan.max_streams,
            active_sessions=[public_session(s) for s in live],
        )
    victim = _victim(live, evict_session_id)
    return _claim(user_id, victim.slot, movie_id, device_id=device_id, position=position,
                  now=now, holder=victim.session_id, evicting=True)


def _victim(live: list[StreamSlotModel], evict_session_id: str | None) -> StreamSlotModel:
    if evict_session_id is not None:
        named = [s for s in live if s.session_id == evict_session_id]
        if not named:
            raise InvalidInput("evict_session_id is not one of your active sessions.",
                               field="evict_session_id")
        return named[0]
    if not live:
        raise Conflict("No session to take over; start again.")
    return min(live, key=lambda s: s.heartbeat_at)


def _claim(user_id: str, slot: str, movie_id: str, *, device_id: str, position: float,
           now: float, holder: str | None = None, evicting: bool = False) -> WatchSession:
    lease = get_settings().lease_seconds
    session_id = f"{slot.removeprefix('slot#')}_{movie_id}_{uuid.uuid4().hex[:16]}"
    item = StreamSlotModel(
        user_id, slot, session_id=session_id, movie_id=movie_id, device_id=device_id,
        started_at=now, heartbeat_at=now, lease_expires_at=now + lease, position=position,
        ended=False, evicted_by=None, expires_at=int(now) + KEEP_ENDED_SECONDS,
    )
    if evicting and holder:
        item.evicted_by = holder  # remembered so the victim learns it was evicted
    free = (StreamSlotModel.slot.does_not_exist() | (StreamSlotModel.ended == True)  # noqa: E712
            | (StreamSlotModel.lease_expires_at <= now))
    condition = StreamSlotModel.session_id == holder if holder else free
    try:
        item.save(condition=condition)
    except PutError as error:
        if is_condition_failure(error):
            raise Conflict("The stream slot was taken meanwhile; try again.") from None
        raise
    return WatchSession(session_id, user_id, movie_id, device_id, now + lease, position)


def _renewal(holder: Condition, now: float) -> tuple[list[Action], Condition]:
    """The writes that extend a lease, and the condition that `holder` still holds it."""
    actions: list[Action] = [
        StreamSlotModel.heartbeat_at.set(now),
        StreamSlotModel.lease_expires_at.set(now + get_settings().lease_seconds),
    ]
    live = (StreamSlotModel.ended == False) & (StreamSlotModel.lease_expires_at > now)  # noqa: E712
    return actions, holder & live


def heartbeat(user_id: str, session_id: str, position: float,
              clock: Clock = time.time) -> WatchSession:
    """Extend the lease and save the position: one transactional write, no read."""
    now = clock()
    slot, movie_id = slot_of(session_id), movie_of(session_id)
    actions, holds = _renewal(StreamSlotModel.session_id == session_id, now)
    try:
        with TransactWrite(connection=transaction_connection()) as transaction:
            transaction.update(StreamSlotModel(user_id, slot),
                               actions=[*actions, StreamSlotModel.position.set(position)],
                               condition=holds)
            transaction.update(ProgressModel(user_id, movie_id), actions=[
                ProgressModel.position.set(position), ProgressModel.updated_at.set(now_iso()),
            ])
    except TransactWriteError:
        raise _gone(user_id, slot, session_id) from None
    return WatchSession(session_id, user_id, movie_id, "",
                        now + get_settings().lease_seconds, position)


def renew_device_lease(user_id: str, slot: str, device_id: str, movie_id: str,
                       clock: Clock = time.time) -> WatchSession:
    """Extend the lease of a slot while `device_id` plays `movie_id` in it, whichever of
    its sessions that is: for a player that never heartbeats (and knows no session id),
    whose requests may race one another. One conditional write; 410 otherwise."""
    now = clock()
    holder = (StreamSlotModel.device_id == device_id) & (StreamSlotModel.movie_id == movie_id)
    actions, holds = _renewal(holder, now)
    item = StreamSlotModel(user_id, slot)
    try:
        item.update(actions=actions, condition=holds)
    except UpdateError as error:
        if is_condition_failure(error):
            raise SessionExpired("This session has ended; start playback again.") from None
        raise
    return WatchSession(item.session_id, user_id, movie_id, device_id,
                        item.lease_expires_at, float(item.position))


def _gone(user_id: str, slot: str, session_id: str) -> Gone | NotFound:
    try:
        current = StreamSlotModel.get(user_id, slot, consistent_read=True)
    except DoesNotExist:
        return NotFound("No such watch session.")
    if current.session_id != session_id:
        if current.evicted_by == session_id:
            return SessionEvicted("This session was taken over by another device.")
        return SessionExpired("This session has ended; start playback again.")
    return SessionExpired("This session's lease ran out; start playback again.")


def stop(user_id: str, session_id: str, position: float, clock: Clock = time.time) -> None:
    """End the session and save the position; stopping twice, or after an eviction or
    expiry, still answers 200 (and still saves the position)."""
    now = clock()
    slot, movie_id = slot_of(session_id), movie_of(session_id)
    try:
        StreamSlotModel(user_id, slot).update(actions=[
            StreamSlotModel.ended.set(True), StreamSlotModel.lease_expires_at.set(now),
            StreamSlotModel.position.set(position),
        ], condition=StreamSlotModel.session_id == session_id)
    except UpdateError as error:
        if not is_condition_failure(error):
            raise  # (a failed condition: the slot is not ours any more, nothing to end)
    ProgressModel(user_id, movie_id).update(actions=[
        ProgressModel.position.set(position), ProgressModel.updated_at.set(now_iso()),
    ])


def holds_slot(user_id: str, session_id: str, clock: Clock = time.time) -> bool:
    try:
        current = StreamSlotModel.get(user_id, slot_of(session_id))
    except DoesNotExist:
        return False
    return current.session_id == session_id and is_live(current, clock())


def erase_sessions_of(user_id: str) -> None:
    with StreamSlotModel.batch_write() as batch:
        for slot in StreamSlotModel.query(user_id):
            batch.delete(slot)
