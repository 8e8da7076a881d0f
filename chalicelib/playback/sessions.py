"""Watch sessions as leases in a user's stream slots.

A plan with `max_streams = n` gives the user slots `slot#0 .. slot#(n-1)`. Starting a
session claims a slot with a conditional write (free, or its lease ran out), so the limit
holds under any race and a session that stops heartbeating frees its slot by itself: no
cleanup job, no scan. Stealing overwrites the victim's slot on the condition that the
victim still holds it; the victim's next heartbeat gets 410.

Heartbeats and stops write the slot and the progress row in one transaction whose
conditions carry the rules: the slot holds this session (so a user reaches only their
own), the heartbeat is not sooner than half an interval after the last (429 otherwise), and
the position is not past the movie's end. A refused write returns the slot as it was
(ALL_OLD), so saying why costs no second call.
"""

from __future__ import annotations

import math
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pynamodb.constants import ALL_OLD
from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from chalicelib.core.clock import now_iso
from chalicelib.core.dynamo import (
    NamedTransaction,
    back_off,
    is_condition_failure,
)
from chalicelib.core.errors import (
    Conflict,
    Gone,
    InvalidInput,
    NotFound,
    ReelstackError,
    TooManyRequests,
)
from chalicelib.core.settings import get_settings
from chalicelib.playback import progress
from chalicelib.playback.models import ProgressModel, StreamSlotModel
from chalicelib.playback.plans import Plan

Clock = Callable[[], float]
KEEP_ENDED_SECONDS = 86400  # how long a 410 can still say "evicted" rather than "unknown"
# A heartbeat sooner than this share of the interval after the last accepted one is 429:
# pause and seek beat early, a loop beats far faster.
HEARTBEAT_SPACING = 0.5
STOP_RETRIES = 4
CONFLICT_BACK_OFF_SECONDS = 0.05
_SLOT, _PROGRESS = "slot", "progress"  # the items of a heartbeat's or a stop's transaction
# `<slot>_<movie>_<random>`, as `_claim` makes it (a movie id may hold '_' too).
SESSION_ID = re.compile(r"^(\d{1,3})_([A-Za-z0-9_-]{1,128})_([0-9a-f]{16})$")


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
        return SessionRef.parse(self.session_id).slot


@dataclass(frozen=True)
class SessionRef:
    """A watch session id taken apart. Ids carry their slot and movie, so a heartbeat is
    one write with no read first."""

    session_id: str
    slot: str
    movie_id: str

    @classmethod
    def parse(cls, session_id: str) -> SessionRef:
        """InvalidInput (400) for anything `_claim` cannot have made."""
        found = SESSION_ID.match(session_id)
        if found is None:
            raise InvalidInput("watch_session_id is not a watch session id.",
                               field="watch_session_id")
        return cls(session_id, f"slot#{found.group(1)}", found.group(2))


def is_live(slot: StreamSlotModel, now: float) -> bool:
    return not slot.ended and slot.lease_expires_at > now


def public_session(slot: StreamSlotModel) -> dict[str, Any]:
    return {"watch_session_id": slot.session_id, "movie_id": slot.movie_id,
            "device_id": slot.device_id, "started_at": slot.started_at,
            "last_heartbeat_at": slot.heartbeat_at, "lease_expires_at": slot.lease_expires_at,
            "position": progress.stored_seconds(slot.position)}


def live_slots(user_id: str, now: float) -> list[StreamSlotModel]:
    return [s for s in slots_of(user_id) if is_live(s, now)]


def slots_of(user_id: str) -> list[StreamSlotModel]:
    """The user's slots as they are, held or not: one consistent Query."""
    return list(StreamSlotModel.query(user_id, consistent_read=True))


def start(user_id: str, movie_id: str, device_id: str, plan: Plan, position: float, *,
          steal: bool = False, evict_session_id: str | None = None,
          version: str | None = None, live: list[StreamSlotModel] | None = None,
          clock: Clock = time.time) -> WatchSession:
    """`version`: the movie's version the session plays, kept on its slot. `live`: the
    user's live slots, when the caller read them a moment ago (every claim is conditional:
    a list gone stale meanwhile ends in a Conflict, never in a slot taken from another)."""
    now = clock()
    live = live_slots(user_id, now) if live is None else live
    same_device = next((s for s in live if s.device_id == device_id), None)
    if same_device is not None:  # the device starts again: it takes over its own slot
        return _claim(user_id, same_device.slot, movie_id, device_id=device_id,
                      position=position, now=now, holder=same_device.session_id,
                      version=version)
    if len(live) < plan.max_streams:
        taken = {s.slot for s in live}
        for index in range(plan.max_streams):
            slot = f"slot#{index}"
            if slot not in taken:
                try:
                    return _claim(user_id, slot, movie_id, device_id=device_id,
                                  position=position, now=now, version=version)
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
                  now=now, holder=victim.session_id, evicting=True, version=version)


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
           now: float, holder: str | None = None, evicting: bool = False,
           version: str | None = None) -> WatchSession:
    lease = get_settings().lease_seconds
    session_id = f"{slot.removeprefix('slot#')}_{movie_id}_{uuid.uuid4().hex[:16]}"
    item = StreamSlotModel(
        user_id, slot, session_id=session_id, movie_id=movie_id, device_id=device_id,
        started_at=now, heartbeat_at=now, lease_expires_at=now + lease, position=position,
        ended=False, evicted_by=None, expires_at=int(now) + KEEP_ENDED_SECONDS,
        version=version,
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
    """Extend the lease and save the position: one transactional write, no read, refused
    (429) when the last accepted heartbeat was less than half an interval ago."""
    now, ref = clock(), SessionRef.parse(session_id)
    settings = get_settings()
    actions, holds = _renewal(StreamSlotModel.session_id == session_id, now)
    spaced = (StreamSlotModel.heartbeat_not_before.does_not_exist()
              | (StreamSlotModel.heartbeat_not_before <= now))
    next_beat = now + settings.heartbeat_seconds * HEARTBEAT_SPACING
    try:
        with NamedTransaction() as transaction:
            transaction.update(_SLOT, StreamSlotModel(user_id, ref.slot), actions=[
                *actions, StreamSlotModel.position.set(position),
                StreamSlotModel.heartbeat_not_before.set(next_beat),
            ], condition=holds & spaced, return_values=ALL_OLD)
            transaction.update(_PROGRESS, ProgressModel(user_id, ref.movie_id), actions=[
                ProgressModel.position.set(position), ProgressModel.updated_at.set(now_iso()),
            ], condition=progress.within_duration(position))
    except TransactWriteError as error:
        refusal = _Refusal.of(transaction, error)
        if refusal.past_the_end:
            raise progress.PastTheEnd() from None
        if not refusal.slot_refused:  # another write to the slot at that moment: a burst
            raise TooManyRequests("This session is being written already; slow down.",
                                  retry_after=1) from None
        raise _refused_heartbeat(refusal.slot, session_id, now) from None
    return WatchSession(session_id, user_id, ref.movie_id, "",
                        now + settings.lease_seconds, position)


@dataclass(frozen=True)
class _Refusal:
    """Why a (slot, progress) transaction was cancelled."""

    slot_refused: bool  # the slot's condition failed (else: a conflict with another write)
    slot: StreamSlotModel | None  # the slot as it was then; None when there was none
    past_the_end: bool  # the progress row's condition failed: the position is past the end

    @classmethod
    def of(cls, transaction: NamedTransaction, error: TransactWriteError) -> _Refusal:
        """Re-raises anything but failed conditions and conflicts with other writes."""
        refused = transaction.refusals(error)
        slot, progress_row = refused[_SLOT], refused[_PROGRESS]
        raw = slot.raw_item if slot.condition_failed else None
        return cls(slot.condition_failed, StreamSlotModel.from_raw_data(raw) if raw else None,
                   progress_row.condition_failed)


def _refused_heartbeat(slot: StreamSlotModel | None, session_id: str,
                       now: float) -> ReelstackError:
    if slot is None:
        return NotFound("No such watch session.")
    if slot.session_id != session_id:
        if slot.evicted_by == session_id:
            return SessionEvicted("This session was taken over by another device.")
        return SessionExpired("This session has ended; start playback again.")
    if not is_live(slot, now):
        return SessionExpired("This session's lease ran out; start playback again.")
    wait = float(slot.heartbeat_not_before or now) - now
    return TooManyRequests(
        f"Heartbeats come every {get_settings().heartbeat_seconds} s; this one came "
        "too soon after the last.", retry_after=math.ceil(wait))


def renew_device_lease(user_id: str, slot: str, device_id: str, movie_id: str,
                       clock: Clock = time.time, *,
                       version: str | None = None) -> WatchSession:
    """Extend the lease of a slot while `device_id` plays `movie_id` in it, whichever of
    its sessions that is: for a player that never heartbeats (and knows no session id),
    whose requests may race one another. `version`: the movie's version it was just
    served, kept on the slot in the same write. One conditional write; 410 otherwise."""
    now = clock()
    holder = (StreamSlotModel.device_id == device_id) & (StreamSlotModel.movie_id == movie_id)
    actions, holds = _renewal(holder, now)
    if version is not None:
        actions.append(StreamSlotModel.version.set(version))
    item = StreamSlotModel(user_id, slot)
    try:
        item.update(actions=actions, condition=holds)
    except UpdateError as error:
        if is_condition_failure(error):
            raise SessionExpired("This session has ended; start playback again.") from None
        raise
    return WatchSession(item.session_id, user_id, movie_id, device_id,
                        item.lease_expires_at, progress.stored_seconds(item.position))


def stop(user_id: str, session_id: str, position: float, clock: Clock = time.time) -> None:
    """End the user's own session and save the position, in one transaction on the
    condition that the user's slot holds the session. Stopping twice, after the lease ran
    out, or after another device took the slot over (`evicted_by`) still answers 200 and
    saves it. Anything else is 404 and writes nothing: another user's session or a forged
    id, and also one of the user's own whose slot a later session has since claimed
    (no record tells it from a forged one; its heartbeats saved the position already)."""
    ref = SessionRef.parse(session_id)
    for attempt in range(STOP_RETRIES):
        now = clock()
        try:
            with NamedTransaction() as transaction:
                transaction.update(_SLOT, StreamSlotModel(user_id, ref.slot), actions=[
                    StreamSlotModel.ended.set(True), StreamSlotModel.lease_expires_at.set(now),
                    StreamSlotModel.position.set(position),
                ], condition=StreamSlotModel.session_id == session_id, return_values=ALL_OLD)
                transaction.update(_PROGRESS, ProgressModel(user_id, ref.movie_id), actions=[
                    ProgressModel.position.set(position),
                    ProgressModel.updated_at.set(now_iso()),
                ], condition=progress.within_duration(position))
        except TransactWriteError as error:
            refusal = _Refusal.of(transaction, error)
            if refusal.past_the_end:
                raise progress.PastTheEnd() from None
            if not refusal.slot_refused:  # a heartbeat was written at that moment
                back_off(attempt, CONFLICT_BACK_OFF_SECONDS)
                continue
            if refusal.slot is None or refusal.slot.evicted_by != session_id:
                raise NotFound("No such watch session.") from None
            # Evicted: the slot is another session's now, but the position is still ours.
            progress.save_position(user_id, ref.movie_id, position)
        return
    raise Conflict("The session kept changing while it stopped; try again.")


def holds_slot(user_id: str, session_id: str, clock: Clock = time.time) -> bool:
    try:
        current = StreamSlotModel.get(user_id, SessionRef.parse(session_id).slot)
    except (DoesNotExist, InvalidInput):
        return False
    return current.session_id == session_id and is_live(current, clock())


def erase_sessions_of(user_id: str) -> None:
    with StreamSlotModel.batch_write() as batch:
        for slot in StreamSlotModel.query(user_id):
            batch.delete(slot)
