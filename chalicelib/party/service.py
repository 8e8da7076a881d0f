"""Watch-party flows over HTTP: create, read, join, leave, remove, control, end, and the
ticket a client opens its WebSocket with. Every change that others must see is pushed to
the party's open connections."""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chalicelib.auth.jwt_tokens import TokenKind, issue
from chalicelib.catalog.transcoding import playable_movie
from chalicelib.core.errors import InvalidInput
from chalicelib.core.settings import get_settings
from chalicelib.core.validation import choice
from chalicelib.party import broadcast, store
from chalicelib.party.messages import party_id as parse_party_id
from chalicelib.party.push import ConnectionPush
from chalicelib.party.rules import CONTROLS, HOST, Member, Party
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


def create_party(caller: Caller, body: dict[str, Any], clock: Clock = time.time) -> Party:
    movie = playable_movie(_movie_ref(body))
    control = choice(body, "control", CONTROLS, default=HOST) or HOST
    now, limits = clock(), get_settings().parties
    party = Party(
        party_id=uuid.uuid4().hex, movie_id=movie.movie_id, movie_title=str(movie.title),
        host_user_id=caller.user_id, control=control,
        invite_code=secrets.token_urlsafe(16), created_at=now,
        ends_at=now + limits.lifetime_seconds, state=PlaybackState.start(now),
        members=(Member(caller.user_id, caller.name, now),), empty_since=now, revision=1)
    store.create(party, limits)
    return party


def party_of_member(user_id: str, party_id: str, clock: Clock = time.time) -> Party:
    party = store.load(parse_party_id(party_id))
    party.open(clock(), get_settings().parties).member_of(user_id)
    return party


def join(caller: Caller, party_id: str, body: dict[str, Any], push: ConnectionPush,
         clock: Clock = time.time) -> Party:
    code = body.get("invite_code")
    if not isinstance(code, str) or not code or len(code) > 64:
        raise InvalidInput("invite_code is required.", field="invite_code")
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


def set_control(host: str, party_id: str, body: dict[str, Any], push: ConnectionPush,
                clock: Clock = time.time) -> Party:
    control = choice(body, "control", CONTROLS)
    if control is None:
        raise InvalidInput("control is required: host or everyone.", field="control")
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


def _movie_ref(body: dict[str, Any]) -> str:
    value = body.get("movie_id")
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return str(value)  # a Videoflix number
    if not isinstance(value, str) or not value or len(value) > 128:
        raise InvalidInput("movie_id is required.", field="movie_id")
    return value
