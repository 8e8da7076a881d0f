"""Watch parties over the local WebSocket gateway (devstack/ws_gateway.py): real sockets,
the app's websocket handlers behind it, pushes back through its management API, on the
emulator's tables. Three members, as three clients."""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from chalice.test import Client
from websockets.exceptions import InvalidStatus

from chalicelib.core import envvars
from chalicelib.core.settings import Settings, reload_settings
from devstack.ws_gateway import LocalWebSocketGateway
from tests.support.api import Browser
from tests.support.catalog import token_headers
from tests.support.factories import make_account
from tests.support.hls import make_playable_movie
from tests.support.party_clients import PartyClient, party_client

pytestmark = pytest.mark.e2e


@pytest.fixture
def gateway(api: Client, stack: Settings) -> Iterator[LocalWebSocketGateway]:
    gateway = LocalWebSocketGateway("127.0.0.1", 0)
    os.environ[envvars.PARTY_MANAGEMENT_URL] = gateway.management_url
    os.environ[envvars.PARTY_SOCKET_URL] = gateway.socket_url
    reload_settings()
    gateway.start(importlib.import_module("app").app)
    try:
        yield gateway
    finally:
        gateway.stop()
        for name in (envvars.PARTY_MANAGEMENT_URL, envvars.PARTY_SOCKET_URL):
            os.environ.pop(name, None)
        reload_settings()


def members_of_a_party(browser: Browser, count: int) -> tuple[str, list[dict[str, str]]]:
    """A party (control: everyone) and its members' Bearer headers, host first."""
    headers = [token_headers(browser, make_account()) for _ in range(count)]
    movie = make_playable_movie("Gateway Night")
    party = browser.post("/api/parties/", {"movie_id": movie.movie_id, "control": "everyone"},
                         headers=headers[0]).json_body
    for guest in headers[1:]:
        joined = browser.post(f"/api/parties/{party['party_id']}/members/",
                              {"invite_code": party["invite_code"]}, headers=guest)
        assert joined.status_code == 200, joined.json_body
    return str(party["party_id"]), headers


def ticket(browser: Browser, party_id: str, headers: dict[str, str]) -> str:
    return str(browser.post(f"/api/parties/{party_id}/ticket/", headers=headers)
               .json_body["ticket"])


@pytest.fixture
def trio(browser: Browser, gateway: LocalWebSocketGateway) -> Iterator[list[PartyClient]]:
    party_id, headers = members_of_a_party(browser, 3)
    with ExitStack() as stack:
        clients = [stack.enter_context(party_client(gateway.socket_url, party_id,
                                                    ticket(browser, party_id, h)))
                   for h in headers]
        for client in clients:
            client.send("hello")
            client.wait_for("welcome")
        yield clients


def test_a_pause_reaches_the_others_and_a_seek_lands_everyone_together(
    trio: list[PartyClient],
) -> None:
    first, second, third = trio
    first.send("play")
    playing = [c.wait_for("state", lambda m: m["state"]["playing"])[1] for c in trio]
    assert len({m["state"]["version"] for m in playing}) == 1

    sent = second.send("pause")
    arrived = [c.wait_for("state", lambda m: m["action"] == "pause") for c in trio]
    assert all(not m["state"]["playing"] for _, m in arrived)
    print(f"\npause -> peers: {[round((at - sent) * 1000, 1) for at, _ in arrived]} ms")

    third.send("seek", position=30.5)
    landed = [c.wait_for("state", lambda m: m["action"] == "seek")[1]["state"] for c in trio]
    assert all(s == landed[0] for s in landed)  # one state, one version, for everyone
    assert landed[0]["position"] == 30.5 and landed[0]["playing"] is False


def test_a_buffering_member_holds_the_party_until_ready(trio: list[PartyClient]) -> None:
    first, _, third = trio
    first.send("play")
    for client in trio:
        client.wait_for("state", lambda m: m["state"]["playing"])

    third.send("buffering")
    held = [c.wait_for("state", lambda m: m["action"] == "buffering")[1]["state"] for c in trio]
    assert all(s["waiting"] and len(s["waiting_for"]) == 1 for s in held)
    assert held[0]["wait_until"] > held[0]["at"]  # one slow member holds it only so long

    third.send("ready")
    resumed = [c.wait_for("state", lambda m: m["action"] == "ready")[1]["state"] for c in trio]
    assert all(not s["waiting"] and s["playing"] and s["waiting_for"] == [] for s in resumed)
    assert resumed[0]["position"] == held[0]["position"]  # from where it waited


def test_the_handshake_refuses_a_socket_without_a_valid_ticket(
    browser: Browser, gateway: LocalWebSocketGateway
) -> None:
    party_id, _ = members_of_a_party(browser, 1)
    for credential in (None, "not-a-ticket"):
        with pytest.raises(InvalidStatus) as refused, \
                party_client(gateway.socket_url, party_id, credential):
            pass
        assert refused.value.response.status_code == 401


def test_a_removed_member_hears_it_and_is_disconnected(
    browser: Browser, gateway: LocalWebSocketGateway
) -> None:
    party_id, headers = members_of_a_party(browser, 2)
    guest_id = browser.get("/api/me/", headers=headers[1]).json_body["id"]
    with party_client(gateway.socket_url, party_id, ticket(browser, party_id, headers[0])) \
            as host, party_client(gateway.socket_url, party_id,
                                  ticket(browser, party_id, headers[1])) as guest:
        guest.send("hello")
        guest.wait_for("welcome")
        removed = browser.delete(f"/api/parties/{party_id}/members/{guest_id}/",
                                 headers=headers[0])
        assert removed.status_code == 204
        guest.wait_for("removed")
        assert guest.closed.wait(10)
        host.send("hello")
        welcome = host.wait_for("welcome")[1]
        assert [m["user_id"] for m in welcome["members"]] == [welcome["host_user_id"]]
