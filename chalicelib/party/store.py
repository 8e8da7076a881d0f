"""Parties and connections in DynamoDB: a party is read whole (consistently) and put
whole on the condition that its revision is the one read; a refused put is read again and
the change applied again, so concurrent writers resolve one after the other."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

from pynamodb.exceptions import DeleteError, DoesNotExist, PutError

from chalicelib.core.dynamo import back_off, is_condition_failure
from chalicelib.core.errors import Conflict, NotFound
from chalicelib.core.settings import Parties
from chalicelib.party.models import (
    ConnectionAttribute,
    MemberAttribute,
    PartyConnectionModel,
    PartyModel,
    PlaybackStateAttribute,
    QuotaAttribute,
)
from chalicelib.party.rules import Member, Party, Quota
from chalicelib.party.sync import PlaybackState

logger = logging.getLogger(__name__)

CHANGE_ATTEMPTS = 6
CONFLICT_BACK_OFF_SECONDS = 0.01
CONNECTION_TTL_SECONDS = 3 * 3600  # API Gateway ends any connection after two hours
Outcome = TypeVar("Outcome")


def load(party_id: str) -> Party:
    try:
        return _party(PartyModel.get(party_id, consistent_read=True))
    except DoesNotExist:
        raise NotFound("No such watch party.") from None


def create(party: Party, limits: Parties) -> None:
    _item(party, limits).save(condition=PartyModel.party_id.does_not_exist())


def change(party_id: str, apply: Callable[[Party], Party], limits: Parties) -> tuple[Party,
                                                                                       Party]:
    """(before, after) once `apply`'s party is written; `apply` raises to refuse, and
    returning the party unchanged writes nothing."""
    for attempt in range(CHANGE_ATTEMPTS):
        before = load(party_id)
        after = apply(before)
        if after == before:
            return before, after
        after = replace(after, revision=before.revision + 1)
        try:
            _item(after, limits).save(condition=PartyModel.revision == before.revision)
        except PutError as error:
            if not is_condition_failure(error):
                raise
            back_off(attempt, CONFLICT_BACK_OFF_SECONDS)
            continue
        return before, after
    raise Conflict("The watch party kept changing; try again.")


def forget_connections(party_id: str, connection_ids: set[str], now: float,
                       limits: Parties) -> None:
    """Drop connections the management API says are gone (a $disconnect that never came)."""
    def drop(party: Party) -> Party:
        for connection_id in connection_ids:
            party = party.disconnect(connection_id, now)
        return party

    try:
        change(party_id, drop, limits)
    except (NotFound, Conflict):
        logger.info("could not forget gone connections of %s", party_id)


def save_connection(connection_id: str, party_id: str, user_id: str, now: float) -> None:
    PartyConnectionModel(connection_id, party_id=party_id, user_id=user_id, connected_at=now,
                         expires_at=int(now) + CONNECTION_TTL_SECONDS).save()


def connection_party(connection_id: str) -> str | None:
    try:
        return str(PartyConnectionModel.get(connection_id, consistent_read=True).party_id)
    except DoesNotExist:
        return None


def delete_connection(connection_id: str) -> None:
    try:
        PartyConnectionModel(connection_id).delete()
    except DeleteError:
        logger.warning("could not delete connection %s", connection_id, exc_info=True)


# ---------------------------------------------------------------------- item <-> value
def _party(item: PartyModel) -> Party:
    state: PlaybackStateAttribute = item.state
    return Party(
        party_id=item.party_id, movie_id=item.movie_id, movie_title=item.movie_title,
        host_user_id=item.host_user_id, control=item.control, invite_code=item.invite_code,
        created_at=float(item.created_at), ends_at=float(item.ends_at),
        state=PlaybackState(
            playing=bool(state.playing), position=float(state.position),
            rate=float(state.rate), at=float(state.at), version=int(state.version),
            waiting_for=tuple(str(c) for c in state.waiting_for or ()),
            wait_until=None if state.wait_until is None else float(state.wait_until)),
        members=tuple(Member(m.user_id, m.name, float(m.joined_at)) for m in item.members),
        removed=frozenset(str(u) for u in item.removed or ()),
        connections={c.connection_id: c.user_id for c in item.connections},
        quotas={q.user_id: Quota(int(q.window), int(q.commands), int(q.chat))
                for q in item.quotas},
        ended_at=None if item.ended_at is None else float(item.ended_at),
        empty_since=None if item.empty_since is None else float(item.empty_since),
        revision=int(item.revision),
    )


def _item(party: Party, limits: Parties) -> PartyModel:
    state = party.state
    return PartyModel(
        party.party_id, revision=party.revision, movie_id=party.movie_id,
        movie_title=party.movie_title, host_user_id=party.host_user_id,
        control=party.control, invite_code=party.invite_code, created_at=party.created_at,
        ends_at=party.ends_at, ended_at=party.ended_at, empty_since=party.empty_since,
        members=[MemberAttribute(  # type: ignore[no-untyped-call]
            user_id=m.user_id, name=m.name, joined_at=m.joined_at) for m in party.members],
        removed=sorted(party.removed),
        connections=[ConnectionAttribute(  # type: ignore[no-untyped-call]
            connection_id=c, user_id=u) for c, u in party.connections.items()],
        quotas=[QuotaAttribute(  # type: ignore[no-untyped-call]
            user_id=u, window=q.window, commands=q.commands, chat=q.chat)
            for u, q in party.quotas.items()],
        state=PlaybackStateAttribute(  # type: ignore[no-untyped-call]
            playing=state.playing, position=state.position, rate=state.rate, at=state.at,
            version=state.version, waiting_for=list(state.waiting_for),
            wait_until=state.wait_until),
        expires_at=party.expires_at(limits),
    )
