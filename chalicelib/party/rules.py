"""A watch party and its rules, as pure functions on a frozen value (no AWS in here).

Invariants, each checked on the party as read and kept by the conditional write of the
whole item (store.py):
- at most `max_members` members; a removed member never joins or connects again;
- only members connect, and only connected members send commands and chat;
- with `control == "host"` only the host plays, pauses and seeks;
- the host is a member: a host who leaves hands the party to the longest-standing member,
  and a party without members is over;
- a party is over once ended, after `idle_seconds` with nobody connected, or at `ends_at`.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from chalicelib.core.errors import Conflict, Forbidden, Gone, InvalidInput, NotFound
from chalicelib.core.errors import TooManyRequests as _TooManyRequests
from chalicelib.core.settings import Parties
from chalicelib.party.sync import Command, PlaybackState

HOST, EVERYONE = "host", "everyone"
CONTROLS = (HOST, EVERYONE)
KEEP_OVER_SECONDS = 86400  # an ended party still answers 410 (not 404) this long
CONNECTIONS_PER_MEMBER = 3  # tabs and devices of one member at once


class PartyEnded(Gone):
    code = "PartyEnded"


class PartyFull(Conflict):
    code = "PartyFull"


class InviteInvalid(Forbidden):
    code = "InviteInvalid"


class RemovedFromParty(Forbidden):
    code = "RemovedFromParty"


class NotAMember(Forbidden):
    code = "NotAMember"


class HostOnly(Forbidden):
    code = "HostOnly"


class NoControl(Forbidden):
    code = "NoControl"


class NotConnected(Forbidden):
    code = "NotConnected"


class TooManyMessages(_TooManyRequests):
    code = "TooManyMessages"


@dataclass(frozen=True)
class Member:
    user_id: str
    name: str
    joined_at: float


@dataclass(frozen=True)
class Quota:
    window: int
    commands: int = 0
    chat: int = 0


@dataclass(frozen=True)
class Party:
    party_id: str
    movie_id: str
    movie_title: str
    host_user_id: str
    control: str
    invite_code: str
    created_at: float
    ends_at: float
    state: PlaybackState
    members: tuple[Member, ...] = ()
    removed: frozenset[str] = frozenset()
    connections: Mapping[str, str] = field(default_factory=dict)  # connection id -> user id
    quotas: Mapping[str, Quota] = field(default_factory=dict)  # user id -> this window's
    ended_at: float | None = None
    empty_since: float | None = None  # nobody connected since then
    revision: int = 0

    # ------------------------------------------------------------------ reading
    def member(self, user_id: str) -> Member | None:
        return next((m for m in self.members if m.user_id == user_id), None)

    def closes_at(self, limits: Parties) -> float:
        if self.connections:
            return self.ends_at
        return min(self.ends_at, (self.empty_since or self.created_at) + limits.idle_seconds)

    def is_over(self, now: float, limits: Parties) -> bool:
        return self.ended_at is not None or now >= self.closes_at(limits)

    def expires_at(self, limits: Parties) -> int:
        over = self.ended_at if self.ended_at is not None else self.closes_at(limits)
        return int(over) + KEEP_OVER_SECONDS

    def connections_of(self, user_id: str) -> list[str]:
        return [c for c, u in self.connections.items() if u == user_id]

    def may_control(self, user_id: str) -> bool:
        return self.control == EVERYONE or user_id == self.host_user_id

    def open(self, now: float, limits: Parties) -> Party:
        """Itself, or PartyEnded."""
        if self.is_over(now, limits):
            raise PartyEnded("This watch party has ended.")
        return self

    def member_of(self, user_id: str) -> Member:
        found = self.member(user_id)
        if found is None:
            if user_id in self.removed:
                raise RemovedFromParty("The host removed you from this watch party.")
            raise NotAMember("You are not a member of this watch party; join it first.")
        return found

    def sender(self, connection_id: str) -> str:
        user_id = self.connections.get(connection_id)
        if user_id is None:
            raise NotConnected("This connection is not in this watch party (any more).")
        return user_id

    # ------------------------------------------------------------------ members (HTTP)
    def join(self, user_id: str, name: str, invite_code: str, now: float,
             limits: Parties) -> Party:
        self.open(now, limits)
        if not hmac.compare_digest(invite_code.encode(), self.invite_code.encode()):
            raise InviteInvalid("This invite code is not this party's.")
        if user_id in self.removed:
            raise RemovedFromParty("The host removed you from this watch party.")
        if self.member(user_id) is not None:
            return self
        if len(self.members) >= limits.max_members:
            raise PartyFull(f"This watch party is full ({limits.max_members} members).",
                            max_members=limits.max_members)
        return replace(self, members=(*self.members, Member(user_id, name, now)))

    def leave(self, user_id: str, now: float, limits: Parties) -> Party:
        """The member leaves; the last one out ends the party."""
        self.open(now, limits)
        self.member_of(user_id)
        party = self._without_member(user_id, now)
        if not party.members:
            return replace(party, ended_at=now)
        if user_id == self.host_user_id:
            heir = min(party.members, key=lambda m: m.joined_at)
            party = replace(party, host_user_id=heir.user_id)
        return party

    def remove(self, by_user: str, user_id: str, now: float, limits: Parties) -> Party:
        self._by_host(by_user, now, limits)
        if user_id == by_user:
            raise InvalidInput("The host leaves rather than removing themself.",
                               field="user_id")
        if self.member(user_id) is None:
            raise NotFound("No such member in this watch party.")
        party = self._without_member(user_id, now)
        return replace(party, removed=party.removed | {user_id})

    def set_control(self, by_user: str, control: str, now: float, limits: Parties) -> Party:
        self._by_host(by_user, now, limits)
        return replace(self, control=control)

    def end(self, by_user: str, now: float, limits: Parties) -> Party:
        self._by_host(by_user, now, limits)
        return replace(self, ended_at=now)

    def _by_host(self, user_id: str, now: float, limits: Parties) -> None:
        self.open(now, limits)
        self.member_of(user_id)
        if user_id != self.host_user_id:
            raise HostOnly("Only the host may do this.")

    def _without_member(self, user_id: str, now: float) -> Party:
        gone = self.connections_of(user_id)
        state = self.state
        for connection_id in gone:
            state = state.without(connection_id, now)
        connections = {c: u for c, u in self.connections.items() if u != user_id}
        return replace(self, members=tuple(m for m in self.members if m.user_id != user_id),
                       connections=connections, state=state,
                       quotas={u: q for u, q in self.quotas.items() if u != user_id},
                       empty_since=self.empty_since if connections or not gone else now)

    # ------------------------------------------------------------------ connections
    def connect(self, user_id: str, connection_id: str, now: float, limits: Parties) -> Party:
        self.open(now, limits)
        self.member_of(user_id)
        if len(self.connections_of(user_id)) >= CONNECTIONS_PER_MEMBER:
            raise TooManyMessages(f"At most {CONNECTIONS_PER_MEMBER} connections a member; "
                                  "close another tab first.", retry_after=5)
        return replace(self, connections={**self.connections, connection_id: user_id},
                       empty_since=None)

    def disconnect(self, connection_id: str, now: float) -> Party:
        if connection_id not in self.connections:
            return self
        connections = {c: u for c, u in self.connections.items() if c != connection_id}
        return replace(self, connections=connections,
                       state=self.state.without(connection_id, now),
                       empty_since=None if connections else now)

    # ------------------------------------------------------------------ messages
    def command(self, connection_id: str, command: Command, now: float,
                limits: Parties) -> Party:
        self.open(now, limits)
        user_id = self.sender(connection_id)
        if command.action.needs_control and not self.may_control(user_id):
            raise NoControl("Only the host controls playback in this watch party.")
        party = self._counted(user_id, now, limits, chat=False)
        return replace(party, state=self.state.apply(command, connection_id, now,
                                                     limits.buffer_wait_seconds))

    def chat(self, connection_id: str, now: float, limits: Parties) -> Party:
        """The party with the sender's chat message counted (TooManyMessages past the
        limit); the message itself is not kept."""
        self.open(now, limits)
        return self._counted(self.sender(connection_id), now, limits, chat=True)

    def _counted(self, user_id: str, now: float, limits: Parties, *, chat: bool) -> Party:
        window = int(now // limits.window_seconds)
        quota = self.quotas.get(user_id)
        if quota is None or quota.window != window:
            quota = Quota(window)
        used, allowed = (quota.chat, limits.chat_per_window) if chat else (
            quota.commands, limits.commands_per_window)
        if used >= allowed:
            retry = (window + 1) * limits.window_seconds - now
            raise TooManyMessages(f"At most {allowed} {'chat messages' if chat else 'commands'}"
                                  f" every {limits.window_seconds} s; wait a moment.",
                                  retry_after=int(retry) + 1)
        counted = replace(quota, chat=quota.chat + 1) if chat else replace(
            quota, commands=quota.commands + 1)
        return replace(self, quotas={**self.quotas, user_id: counted})
