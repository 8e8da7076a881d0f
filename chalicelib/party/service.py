"""Watch-party flows over HTTP: create, read, join, leave, remove, control, end, and the
ticket a client opens its WebSocket with. Every change that others must see is pushed to
the party's open connections."""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from chalicelib.auth.jwt_tokens import TokenKind, issue
from chalicelib.catalog.playable import playable_movie
from chalicelib.core.settings import get_settings
from chalicelib.party import broadcast, store
from chalicelib.party.messages import party_id as parse_party_id
from chalicelib.party.push import ConnectionPush
from chalicelib.party.rules import Member, Party
from chalicelib.party.schemas import Control, NewParty
from chalicelib.party.sync import PlaybackState

Clock = Callable[[], float]


@dataclass(frozen=True)
class Caller:
    """Who calls, as the party knows them: the account's id and its display name."""

    user_id: str
    name: str


@dataclass(frozen=True)
class Ticket:
    ticket: str
    expires_in: int
    socket_url: str


def create_party(caller: Caller, asked: NewParty, clock: Clock = time.time) -> Party:
    movie = playable_movie(str(asked.movie_id))
    now, limits = clock(), get_settings().parties
    party = Party(
        party_id=uuid.uuid4().hex, movie_id=movie.movie_id, movie_title=str(movie.title),
        host_user_id=caller.user_id, control=asked.control,
        invite_code=secrets.token_urlsafe(16), created_at=now,
        ends_at=now + limits.lifetime_seconds, state=PlaybackState.start(now),
        members=(Member(caller.user_id, caller.name, now),), empty_since=now, revision=1)
    store.create(party, limits)
    return party


def party_of_member(user_id: str, party_id: str, clock: Clock = time.time) -> Party:
    party = store.load(parse_party_id(party_id))
    party.open(clock(), get_settings().parties).member_of(user_id)
    return party


def join(caller: Caller, party_id: str, code: str, push: ConnectionPush,
         clock: Clock = time.time) -> Party:
    limits = get_settings().parties
    before, after = store.change(parse_party_id(party_id), lambda p: p.join(
        caller.user_id, caller.name, code, clock(), limits), limits)
    if after != before:
        broadcast.tell_members(push, after, clock())
    return after


def leave(user_id: str, party_id: str, push: ConnectionPush, clock: Clock = time.time) -> None:
    limits = get_settings().parties
    before, after = store.change(parse_party_id(party_id),
                                 lambda p: p.leave(user_id, clock(), limits), limits)
    broadcast.close(push, before.connections_of(user_id), "left", "You left the watch party.",
                    clock())
    broadcast.after_change(push, before, after, clock())


def remove_member(host: str, party_id: str, user_id: str, push: ConnectionPush,
                  clock: Clock = time.time) -> Party:
    limits = get_settings().parties
    before, after = store.change(parse_party_id(party_id),
                                 lambda p: p.remove(host, user_id, clock(), limits), limits)
    broadcast.close(push, before.connections_of(user_id), "removed",
           "The host removed you from this watch party.", clock())
    broadcast.after_change(push, before, after, clock())
    return after


def set_control(host: str, party_id: str, control: Control, push: ConnectionPush,
                clock: Clock = time.time) -> Party:
    limits = get_settings().parties
    before, after = store.change(parse_party_id(party_id), lambda p: p.set_control(
        host, control, clock(), limits), limits)
    broadcast.after_change(push, before, after, clock())
    return after


def end_party(host: str, party_id: str, push: ConnectionPush, clock: Clock = time.time) -> None:
    limits = get_settings().parties
    before, after = store.change(parse_party_id(party_id),
                                 lambda p: p.end(host, clock(), limits), limits)
    broadcast.after_change(push, before, after, clock())


def ticket(user_id: str, party_id: str, clock: Clock = time.time) -> Ticket:
    """A short-lived credential for this party's WebSocket, sent as a subprotocol (never
    in a URL, which API Gateway and proxies log)."""
    party = party_of_member(user_id, party_id, clock)
    settings = get_settings()
    token, _ = issue(settings, TokenKind.PARTY_TICKET, user_id,
                     settings.parties.ticket_seconds, party=party.party_id)
    return Ticket(token, settings.parties.ticket_seconds, settings.parties.socket_url)

