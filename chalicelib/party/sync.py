"""The party's playback state and how commands change it: pure, on the server's clock.

`{playing, position, rate, at}`: at server time `at` the movie was at `position`, and it
advances at `rate` while `playing`. Clients estimate their offset to the server's clock
and play where `position_at(now)` says.

When a member buffers, the party waits for them (as Jellyfin's SyncPlay does): the
position freezes and `waiting_for` names their connections; it resumes when all are
ready, or at `wait_until` whatever happens (one slow member cannot hold everyone). No
timer runs on the server: the wait's end is folded in lazily by the next transition, and
clients, who know `wait_until`, send `ready` then.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum


class Action(Enum):
    PLAY = "play"
    PAUSE = "pause"
    SEEK = "seek"
    BUFFERING = "buffering"
    READY = "ready"

    @property
    def needs_control(self) -> bool:
        """Play, pause and seek are the controller's; anyone reports their own buffering."""
        return self in (Action.PLAY, Action.PAUSE, Action.SEEK)


@dataclass(frozen=True)
class Command:
    action: Action
    position: float | None = None  # seek only


@dataclass(frozen=True)
class PlaybackState:
    playing: bool
    position: float
    rate: float
    at: float
    version: int
    waiting_for: tuple[str, ...] = ()
    wait_until: float | None = None

    @classmethod
    def start(cls, now: float) -> PlaybackState:
        return cls(playing=False, position=0.0, rate=1.0, at=now, version=1)

    def waiting(self, now: float) -> bool:
        return bool(self.waiting_for) and (self.wait_until is None or now < self.wait_until)

    def position_at(self, now: float) -> float:
        if not self.playing:
            return self.position
        # Waiting: frozen at `position` since `at`, moving again from `wait_until`.
        moving_since = (self.wait_until or now) if self.waiting_for else self.at
        return self.position + max(0.0, now - moving_since) * self.rate

    def apply(self, command: Command, connection_id: str, now: float,
              wait_cap: float) -> PlaybackState:
        """The state after `command` from `connection_id` (a new version), or itself when
        nothing changes. A buffering member is waited for at most `wait_cap` seconds."""
        state = self._wait_settled(now)
        if command.action is Action.PLAY and not state.playing:
            state = replace(state, playing=True, position=state.position_at(now), at=now)
        elif command.action is Action.PAUSE and state.playing:
            state = replace(state, playing=False, position=state.position_at(now), at=now)
        elif command.action is Action.SEEK and command.position is not None:
            state = replace(state, position=command.position, at=now)
        elif command.action is Action.BUFFERING:
            state = state._buffering(connection_id, now, wait_cap)
        elif command.action is Action.READY:
            state = state._ready(connection_id, now)
        return self._versioned(state)

    def without(self, connection_id: str, now: float) -> PlaybackState:
        """The state once a connection is gone: nobody waits for it any more."""
        return self._versioned(self._wait_settled(now)._ready(connection_id, now))

    def _ready(self, connection_id: str, now: float) -> PlaybackState:
        if connection_id not in self.waiting_for:
            return self
        rest = tuple(c for c in self.waiting_for if c != connection_id)
        if rest:
            return replace(self, waiting_for=rest)
        return replace(self, waiting_for=(), wait_until=None, at=now)  # all ready: resume

    def _buffering(self, connection_id: str, now: float, wait_cap: float) -> PlaybackState:
        if connection_id in self.waiting_for:
            return self
        if self.waiting_for:
            return replace(self, waiting_for=(*self.waiting_for, connection_id))
        return replace(self, position=self.position_at(now), at=now,
                       waiting_for=(connection_id,), wait_until=now + wait_cap)

    def _wait_settled(self, now: float) -> PlaybackState:
        """A wait whose time is up is over: playback moved on from `wait_until`."""
        if not self.waiting_for or self.wait_until is None or now < self.wait_until:
            return self
        return replace(self, position=self.position_at(now), at=now, waiting_for=(),
                       wait_until=None)

    def _versioned(self, state: PlaybackState) -> PlaybackState:
        return self if state == self else replace(state, version=self.version + 1)

    def public(self, now: float) -> dict[str, object]:
        return {"playing": self.playing, "position": self.position, "rate": self.rate,
                "at": self.at, "version": self.version, "waiting_for": list(self.waiting_for),
                "wait_until": self.wait_until, "waiting": self.waiting(now)}
