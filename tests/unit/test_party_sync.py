"""The party's sync state machine and rules, on a clock the test sets (no servers)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.core.settings import Settings
from chalicelib.party.rules import (
    EVERYONE,
    HOST,
    Member,
    NoControl,
    NotConnected,
    Party,
    PartyEnded,
    PartyFull,
    RemovedFromParty,
    TooManyMessages,
)
from chalicelib.party.sync import Action, Command, PlaybackState

T0 = 1_800_000_000.0
CAP = 8.0
LIMITS = Settings.from_env({}).parties
PLAY, PAUSE = Command(Action.PLAY), Command(Action.PAUSE)
BUFFERING, READY = Command(Action.BUFFERING), Command(Action.READY)


def seek(position: float) -> Command:
    return Command(Action.SEEK, position)


def test_playing_advances_on_the_server_clock_and_pause_freezes_it() -> None:
    state = PlaybackState.start(T0).apply(PLAY, "a", T0, CAP)
    assert (state.playing, state.version) == (True, 2)
    assert state.position_at(T0 + 10) == 10
    paused = state.apply(PAUSE, "a", T0 + 10, CAP)
    assert paused.position_at(T0 + 99) == 10 and paused.version == 3
    assert paused.apply(PAUSE, "b", T0 + 20, CAP) is paused  # nothing changes: no version
    assert paused.apply(seek(60), "a", T0 + 30, CAP).position_at(T0 + 40) == 60


def test_a_buffering_member_holds_the_party_until_everyone_is_ready() -> None:
    playing = PlaybackState.start(T0).apply(PLAY, "a", T0, CAP)
    waiting = playing.apply(BUFFERING, "b", T0 + 5, CAP)
    waiting = waiting.apply(BUFFERING, "c", T0 + 6, CAP)
    assert waiting.waiting(T0 + 6) and waiting.waiting_for == ("b", "c")
    assert waiting.position_at(T0 + 7) == 5  # frozen where b began to buffer

    one_ready = waiting.apply(READY, "b", T0 + 7, CAP)
    assert one_ready.position_at(T0 + 7.5) == 5
    resumed = one_ready.apply(READY, "c", T0 + 8, CAP)
    assert not resumed.waiting(T0 + 8) and resumed.position_at(T0 + 10) == 7


def test_one_slow_member_cannot_hold_everyone_past_the_cap() -> None:
    waiting = PlaybackState.start(T0).apply(PLAY, "a", T0, CAP).apply(BUFFERING, "slow", T0, CAP)
    assert waiting.wait_until == T0 + CAP
    assert waiting.position_at(T0 + CAP - 1) == 0
    assert waiting.position_at(T0 + CAP + 2) == 2  # moving again from wait_until
    # Another member's timer says "ready" at the cap: the wait is folded in, for everyone.
    settled = waiting.apply(READY, "a", T0 + CAP + 2, CAP)
    assert settled.waiting_for == () and settled.position_at(T0 + CAP + 3) == 3


def test_a_member_gone_while_buffering_is_not_waited_for() -> None:
    waiting = PlaybackState.start(T0).apply(PLAY, "a", T0, CAP).apply(BUFFERING, "b", T0, CAP)
    assert waiting.without("b", T0 + 1).position_at(T0 + 3) == 2


def party(control: str = HOST) -> Party:
    return Party("p" * 32, "movie", "Movie", "host", control, "code" * 6, T0, T0 + 86400,
                 PlaybackState.start(T0), members=(Member("host", "Host", T0),),
                 empty_since=T0, revision=1)


def test_joining_removal_and_the_member_limit() -> None:
    joined = party().join("guest", "Guest", "code" * 6, T0 + 1, LIMITS)
    assert [m.user_id for m in joined.members] == ["host", "guest"]
    removed = joined.remove("host", "guest", T0 + 2, LIMITS)
    with pytest.raises(RemovedFromParty):
        removed.join("guest", "Guest", "code" * 6, T0 + 3, LIMITS)
    full = replace(party(), members=tuple(Member(f"u{n}", "U", T0)
                                          for n in range(LIMITS.max_members)))
    with pytest.raises(PartyFull):
        full.join("late", "Late", "code" * 6, T0, LIMITS)


def test_control_and_connections_decide_who_commands() -> None:
    hosted = party(HOST).join("guest", "Guest", "code" * 6, T0, LIMITS)
    hosted = hosted.connect("host", "c-host", T0, LIMITS).connect("guest", "c-guest", T0, LIMITS)
    with pytest.raises(NoControl):
        hosted.command("c-guest", PLAY, T0 + 1, LIMITS)
    assert hosted.command("c-guest", BUFFERING, T0 + 1, LIMITS).state.waiting_for == (
        "c-guest",)  # anyone reports their own buffering
    with pytest.raises(NotConnected):
        hosted.command("c-stranger", PLAY, T0 + 1, LIMITS)
    shared = hosted.set_control("host", EVERYONE, T0 + 1, LIMITS)
    assert shared.command("c-guest", PLAY, T0 + 2, LIMITS).state.playing


def test_commands_and_chat_are_limited_per_member_and_window() -> None:
    connected = party(EVERYONE).connect("host", "c", T0, LIMITS)
    for _ in range(LIMITS.chat_per_window):
        connected = connected.chat("c", T0 + 1, LIMITS)
    with pytest.raises(TooManyMessages):
        connected.chat("c", T0 + 2, LIMITS)
    assert connected.chat("c", T0 + LIMITS.window_seconds + 1, LIMITS)  # a new window


def test_a_party_ends_idle_when_nobody_is_connected_and_with_its_last_member() -> None:
    idle = party()
    assert not idle.is_over(T0 + LIMITS.idle_seconds - 1, LIMITS)
    assert idle.is_over(T0 + LIMITS.idle_seconds, LIMITS)
    watching = idle.connect("host", "c", T0 + 10, LIMITS)
    assert not watching.is_over(T0 + LIMITS.idle_seconds * 5, LIMITS)
    assert watching.disconnect("c", T0 + 20).is_over(T0 + 20 + LIMITS.idle_seconds, LIMITS)
    with pytest.raises(PartyEnded):
        idle.leave("host", T0 + 1, LIMITS).open(T0 + 1, LIMITS)
