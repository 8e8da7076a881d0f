"""The version a token-less client's implicit session plays, as one request reads it from
its user's slots: no emulator (the slots are given)."""

from __future__ import annotations

import pytest

from chalicelib.playback import sessions
from chalicelib.playback.browser_playback import browser_client
from chalicelib.playback.models import StreamSlotModel
from chalicelib.playback.plans import DEFAULT_PLANS

FIREFOX, SAFARI = "Mozilla/5.0 Firefox/128.0", "Mozilla/5.0 Safari/604.1"
NOW = 1_000_000.0


def slot(index: int, device_id: str, movie_id: str, version: str | None, *,
         beat: float = NOW - 10, lease: float = NOW + 80) -> StreamSlotModel:
    return StreamSlotModel("u1", f"slot#{index}", session_id=f"{index}_{movie_id}_x",
                           movie_id=movie_id, device_id=device_id, version=version,
                           heartbeat_at=beat, lease_expires_at=lease, ended=False)


def test_the_version_is_the_one_of_this_clients_session_on_this_movie(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    firefox = browser_client("u1", FIREFOX, DEFAULT_PLANS["basic"], clock=lambda: NOW)
    me, safari = firefox.client_id, browser_client("u1", SAFARI, DEFAULT_PLANS["basic"])
    reads: list[str] = []

    def slots_of(user_id: str) -> list[StreamSlotModel]:
        reads.append(user_id)
        return [slot(0, safari.client_id, "m1", "v20261128T000000aaaa"),
                slot(1, me, "m2", "v20261128T000000bbbb"),
                slot(2, me, "m3", None),  # written before versions were kept
                # Paused past its lease: the film it left, the latest first.
                slot(3, me, "m4", "v20261128T000000cccc", beat=NOW - 500, lease=NOW - 410),
                slot(4, me, "m4", "v20261128T000000dddd", beat=NOW - 300, lease=NOW - 210)]

    monkeypatch.setattr(sessions, "slots_of", slots_of)

    assert firefox.version_playing("m1") is None  # another browser's session
    assert firefox.version_playing("m2") == "v20261128T000000bbbb"
    assert firefox.version_playing("m3") is None
    assert firefox.version_playing("m4") == "v20261128T000000dddd"
    assert firefox.version_playing("m5") is None
    assert [s.slot for s in firefox.live_slots()] == ["slot#0", "slot#1", "slot#2"]
    assert reads == ["u1"]  # read once for the request, whatever asks
