"""Watch parties: the HTTP API and the WebSocket handlers (invoked as API Gateway invokes
them) on the emulator's tables, pushing through a management API that records."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
from chalice.test import Client

from chalicelib.core import envvars
from chalicelib.core.settings import get_settings, reload_settings
from chalicelib.party import service
from chalicelib.party.models import PartyModel
from chalicelib.party.rules import KEEP_OVER_SECONDS, PartyEnded
from tests.support.api import Browser
from tests.support.aws_calls import counting_dynamodb_calls
from tests.support.catalog import make_movie, token_headers
from tests.support.factories import TestAccount, make_account
from tests.support.hls import make_playable_movie
from tests.support.party import PartySockets, RecordedConnections, recording_management_api
from tests.support.playback import make_device, make_plan, put_on_plan


@dataclass(frozen=True)
class Person:
    account: TestAccount
    headers: dict[str, str]

    @property
    def user_id(self) -> str:
        return self.account.user_id


@pytest.fixture
def connections(api: Client) -> Iterator[RecordedConnections]:
    with recording_management_api() as recorded:
        yield recorded


@pytest.fixture
def sockets(api: Client, connections: RecordedConnections) -> PartySockets:
    return PartySockets(api, connections)


@pytest.fixture
def movie_id(stack: object) -> str:
    return make_playable_movie("Party Night").movie_id


def person(browser: Browser) -> Person:
    account = make_account()
    return Person(account, token_headers(browser, account))


def create(browser: Browser, host: Person, movie_id: str, control: str = "host") -> dict[str, Any]:
    created = browser.post("/api/parties/", {"movie_id": movie_id, "control": control},
                           headers=host.headers)
    assert created.status_code == 201, created.json_body
    return dict(created.json_body)


def join(browser: Browser, guest: Person, party: dict[str, Any]) -> dict[str, Any]:
    joined = browser.post(f"/api/parties/{party['party_id']}/members/",
                          {"invite_code": party["invite_code"]}, headers=guest.headers)
    assert joined.status_code == 200, joined.json_body
    return dict(joined.json_body)


def ticket(browser: Browser, member: Person, party_id: str) -> str:
    answer = browser.post(f"/api/parties/{party_id}/ticket/", headers=member.headers)
    assert answer.status_code == 201, answer.json_body
    assert answer.json_body["protocol"] == "reelstack-party"
    return str(answer.json_body["ticket"])


def connected(browser: Browser, sockets: PartySockets, member: Person, party_id: str) -> str:
    connection, answer = sockets.connect(party_id, ticket=ticket(browser, member, party_id))
    assert answer == {"statusCode": 200, "headers": {"Sec-WebSocket-Protocol": "reelstack-party"}}
    sockets.send(connection, {"action": "hello", "party_id": party_id})
    return connection


def stored_state(party_id: str) -> dict[str, Any]:
    return dict(service.party_of_member(
        PartyModel.get(party_id).host_user_id, party_id).state.public(time.time()))


def test_create_join_by_code_and_read(browser: Browser, movie_id: str) -> None:
    host, guest, stranger = person(browser), person(browser), person(browser)
    party = create(browser, host, movie_id)

    assert len(party["invite_code"]) >= 20 and party["socket_url"].startswith("ws")
    assert [m["user_id"] for m in party["members"]] == [host.user_id]
    assert party["state"]["playing"] is False and party["control"] == "host"
    path = f"/api/parties/{party['party_id']}/"
    assert browser.get(path, headers=stranger.headers).json_body["Code"] == "NotAMember"
    wrong = browser.post(f"{path}members/", {"invite_code": "x" * 22}, headers=guest.headers)
    assert (wrong.status_code, wrong.json_body["Code"]) == (403, "InviteInvalid")

    joined = join(browser, guest, party)
    assert [m["user_id"] for m in joined["members"]] == [host.user_id, guest.user_id]
    assert joined["you_control"] is False and joined["movie_id"] == movie_id
    assert len(join(browser, guest, party)["members"]) == 2  # joining again changes nothing
    seen = browser.get(path, headers=guest.headers)
    assert seen.status_code == 200 and seen.json_body["host_user_id"] == host.user_id


def test_bad_input_is_a_clear_4xx_and_changes_nothing(browser: Browser, movie_id: str) -> None:
    host = person(browser)
    draft = make_movie("Not yet", status="draft")
    cases = [({"movie_id": movie_id, "control": "anyone"}, 400, "InvalidInput"),
             ({}, 400, "InvalidInput"),
             ({"movie_id": draft.movie_id}, 409, None),
             ({"movie_id": "f" * 32}, 404, "NotFound")]
    for body, status, code in cases:
        answer = browser.post("/api/parties/", body, headers=host.headers)
        assert answer.status_code == status, (body, answer.json_body)
        assert set(answer.json_body) >= {"Code", "Message"}
        assert code is None or answer.json_body["Code"] == code
    assert browser.get("/api/parties/nonsense/", headers=host.headers).status_code == 400
    assert browser.get(f"/api/parties/{'0' * 32}/", headers=host.headers).status_code == 404
    assert browser.post("/api/parties/", {"movie_id": movie_id}).status_code == 401


def test_sockets_need_a_ticket_for_that_party_or_the_cookie(
    browser: Browser, sockets: PartySockets, movie_id: str
) -> None:
    host = person(browser)
    first, second = create(browser, host, movie_id), create(browser, host, movie_id)
    other_ticket = ticket(browser, host, second["party_id"])

    refused = [sockets.connect(first["party_id"]),
               sockets.connect(first["party_id"], ticket="not.a.token"),
               sockets.connect(first["party_id"], ticket=other_ticket),
               sockets.connect(first["party_id"], cookie=host.headers["Authorization"][7:],
                               origin="https://evil.example")]
    assert [answer["statusCode"] for _, answer in refused] == [401, 401, 401, 403]
    assert all(json.loads(answer["body"])["Message"] for _, answer in refused)
    assert PartyModel.get(first["party_id"]).connections == []

    by_cookie, answer = sockets.connect(first["party_id"], protocol=False,
                                        cookie=host.headers["Authorization"][7:],
                                        origin=get_settings().cors_origins[0]
                                        if get_settings().cors_origins else None)
    assert answer == {"statusCode": 200, "headers": {}}
    assert [c.connection_id for c in PartyModel.get(first["party_id"]).connections] == [by_cookie]


def test_only_the_controller_plays_and_everyone_hears_it(
    browser: Browser, sockets: PartySockets, connections: RecordedConnections, movie_id: str
) -> None:
    host, guest = person(browser), person(browser)
    party = create(browser, host, movie_id, control="host")
    join(browser, guest, party)
    party_id = party["party_id"]
    at_host, at_guest = (connected(browser, sockets, host, party_id),
                         connected(browser, sockets, guest, party_id))
    assert connections.last(at_guest, "welcome")["you_control"] is False
    assert connections.last(at_host, "members")["members"][1]["online"] is True

    sockets.send(at_guest, {"action": "play", "party_id": party_id})
    assert connections.last(at_guest, "error")["Code"] == "NoControl"
    assert connections.of(at_host, "state") == [] and stored_state(party_id)["version"] == 1

    sockets.send(at_host, {"action": "play", "party_id": party_id})
    pushed = connections.last(at_guest, "state")
    assert pushed["state"]["playing"] is True and pushed["state"]["version"] == 2
    assert pushed["by"] == "Viewer" and pushed["action"] == "play"
    assert connections.last(at_host, "state") == pushed

    patched = browser.request("PATCH", f"/api/parties/{party_id}/", {"control": "everyone"},
                              headers=host.headers)
    assert patched.status_code == 200 and patched.json_body["control"] == "everyone"
    assert connections.last(at_guest, "members")["control"] == "everyone"
    sockets.send(at_guest, {"action": "seek", "party_id": party_id, "position": 42.5})
    assert connections.last(at_host, "state")["state"]["position"] == 42.5
    refused = browser.request("PATCH", f"/api/parties/{party_id}/", {"control": "host"},
                              headers=guest.headers)
    assert (refused.status_code, refused.json_body["Code"]) == (403, "HostOnly")


def test_a_removed_member_is_disconnected_and_refused_from_then_on(
    browser: Browser, sockets: PartySockets, connections: RecordedConnections, movie_id: str
) -> None:
    host, guest = person(browser), person(browser)
    party = create(browser, host, movie_id, control="everyone")
    join(browser, guest, party)
    party_id = party["party_id"]
    at_host, at_guest = (connected(browser, sockets, host, party_id),
                         connected(browser, sockets, guest, party_id))
    guest_ticket = ticket(browser, guest, party_id)

    removed = browser.delete(f"/api/parties/{party_id}/members/{guest.user_id}/",
                             headers=host.headers)
    assert removed.status_code == 204
    assert connections.last(at_guest, "removed")["Message"]
    assert at_guest in connections.closed
    assert [m["user_id"] for m in connections.last(at_host, "members")["members"]] == [
        host.user_id]

    again = browser.post(f"/api/parties/{party_id}/members/",
                         {"invite_code": party["invite_code"]}, headers=guest.headers)
    assert (again.status_code, again.json_body["Code"]) == (403, "RemovedFromParty")
    assert browser.post(f"/api/parties/{party_id}/ticket/",
                        headers=guest.headers).status_code == 403
    _, answer = sockets.connect(party_id, ticket=guest_ticket)  # issued before the removal
    assert (answer["statusCode"], json.loads(answer["body"])["Code"]) == (403,
                                                                         "RemovedFromParty")
    connections.open.add(at_guest)  # a frame already on its way when the socket closed
    sockets.send(at_guest, {"action": "pause", "party_id": party_id})
    assert connections.last(at_guest, "error")["Code"] == "NotConnected"
    assert stored_state(party_id)["version"] == 1


def test_parallel_commands_resolve_to_one_state(
    browser: Browser, sockets: PartySockets, connections: RecordedConnections, movie_id: str
) -> None:
    members = [person(browser) for _ in range(3)]
    party = create(browser, members[0], movie_id, control="everyone")
    for member in members[1:]:
        join(browser, member, party)
    party_id = party["party_id"]
    at = [connected(browser, sockets, member, party_id) for member in members]
    seeks = [(at[n % 3], 10.0 + n) for n in range(12)]

    with ThreadPoolExecutor(6) as pool:
        list(pool.map(lambda s: sockets.send(s[0], {"action": "seek", "party_id": party_id,
                                                     "position": s[1]}), seeks))

    final = stored_state(party_id)
    assert final["version"] == 1 + len(seeks)  # each applied once, one after the other
    for connection in at:
        versions = [m["state"]["version"] for m in connections.of(connection, "state")]
        assert sorted(versions) == list(range(2, final["version"] + 1))
        newest = max(connections.of(connection, "state"), key=lambda m: m["state"]["version"])
        assert newest["state"]["position"] == final["position"]
    assert all(not connections.of(c, "error") for c in at)


def test_a_command_costs_one_read_and_one_write(
    browser: Browser, sockets: PartySockets, movie_id: str
) -> None:
    host = person(browser)
    party = create(browser, host, movie_id)
    at_host = connected(browser, sockets, host, party["party_id"])

    with counting_dynamodb_calls() as calls:
        sockets.send(at_host, {"action": "play", "party_id": party["party_id"]})
    assert dict(calls) == {"GetItem": 1, "PutItem": 1}
    with counting_dynamodb_calls() as calls:
        sockets.send(at_host, {"action": "ping", "t": 123})
    assert dict(calls) == {}


def test_bad_messages_get_an_error_and_change_nothing(
    browser: Browser, sockets: PartySockets, connections: RecordedConnections, movie_id: str
) -> None:
    host = person(browser)
    party = create(browser, host, movie_id)
    party_id = party["party_id"]
    at_host = connected(browser, sockets, host, party_id)
    limits = get_settings().parties

    bad = ["not json", "[1, 2]", json.dumps({"action": "dance", "party_id": party_id}),
           json.dumps({"action": "play", "party_id": "../etc"}),
           json.dumps({"action": "play", "party_id": "0" * 32}),
           json.dumps({"action": "seek", "party_id": party_id, "position": float("nan")}),
           json.dumps({"action": "seek", "party_id": party_id, "position": -1}),
           json.dumps({"action": "chat", "party_id": party_id, "text": "x" * 501}),
           json.dumps({"action": "chat", "party_id": party_id, "text": "\u202e evil"}),
           json.dumps({"action": "play", "party_id": party_id, "nested": {"a": 1}}),
           "x" * 5000]
    for frame in bad:
        sockets.send(at_host, frame)
    errors = connections.of(at_host, "error")
    assert len(errors) == len(bad), errors
    assert {e["Code"] for e in errors} == {"InvalidMessage", "NotFound"}
    assert stored_state(party_id)["version"] == 1

    html = "<img src=x onerror=alert(1)>"
    for _ in range(limits.chat_per_window + 2):
        sockets.send(at_host, {"action": "chat", "party_id": party_id, "text": html})
    lines = connections.of(at_host, "chat")
    assert 1 <= len(lines) <= limits.chat_per_window and lines[0]["text"] == html
    assert connections.last(at_host, "error")["Code"] == "TooManyMessages"


def test_an_empty_party_ends_after_its_idle_time_and_the_last_one_out_ends_it(
    browser: Browser, sockets: PartySockets, movie_id: str
) -> None:
    host, guest = person(browser), person(browser)
    party = create(browser, host, movie_id)
    join(browser, guest, party)
    party_id, idle = party["party_id"], get_settings().parties.idle_seconds
    later = time.time() + idle + 5

    with pytest.raises(PartyEnded):  # nobody ever connected
        service.party_of_member(host.user_id, party_id, clock=lambda: later)
    item = PartyModel.get(party_id)
    assert item.expires_at <= item.created_at + idle + KEEP_OVER_SECONDS + 1  # TTL deletes it

    at_host = connected(browser, sockets, host, party_id)
    assert service.party_of_member(host.user_id, party_id, clock=lambda: later)  # in use
    sockets.disconnect(at_host)
    assert PartyModel.get(party_id).connections == []
    with pytest.raises(PartyEnded):
        service.party_of_member(host.user_id, party_id, clock=lambda: time.time() + idle + 5)

    for member in (host, guest):
        left = browser.delete(f"/api/parties/{party_id}/members/me/", headers=member.headers)
        assert left.status_code == 204, left.json_body
    ended = browser.get(f"/api/parties/{party_id}/", headers=host.headers)
    assert (ended.status_code, ended.json_body["Code"]) == (410, "PartyEnded")


def test_a_party_holds_its_member_limit(browser: Browser, movie_id: str,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(envvars.PARTY_MAX_MEMBERS, "3")  # 20 by default
    reload_settings()
    try:
        host = person(browser)
        party = create(browser, host, movie_id)
        for _ in range(2):
            join(browser, person(browser), party)
        full = browser.post(f"/api/parties/{party['party_id']}/members/",
                            {"invite_code": party["invite_code"]},
                            headers=person(browser).headers)
        assert (full.status_code, full.json_body["Code"]) == (409, "PartyFull")
        assert full.json_body["max_members"] == 3
    finally:
        monkeypatch.undo()
        reload_settings()


def test_every_member_plays_through_their_own_watch_session(
    browser: Browser, movie_id: str
) -> None:
    host, guest = person(browser), person(browser)
    party = create(browser, host, movie_id)
    join(browser, guest, party)
    one_stream = make_plan(max_streams=1, max_resolution=480)
    put_on_plan(guest.user_id, one_stream.plan_id)
    couch, phone = make_device(guest.user_id), make_device(guest.user_id)
    elsewhere = browser.post("/api/playback/start/", {"movie_id": movie_id,
                             "device_id": couch.device_id}, headers=guest.headers)
    assert elsewhere.status_code == 201

    in_party = browser.post("/api/playback/start/", {"movie_id": party["movie_id"],
                            "device_id": phone.device_id}, headers=guest.headers)
    assert (in_party.status_code, in_party.json_body["Code"]) == (409, "StreamLimitReached")
    host_device = make_device(host.user_id)
    hosted = browser.post("/api/playback/start/", {"movie_id": party["movie_id"],
                          "device_id": host_device.device_id}, headers=host.headers)
    assert hosted.status_code == 201
    stolen = browser.post("/api/playback/start/", {"movie_id": party["movie_id"],
                          "device_id": phone.device_id, "steal": True}, headers=guest.headers)
    assert stolen.status_code == 201  # "watch here instead"
    master = urlsplit(stolen.json_body["master_playlist_url"])
    playlist = browser.get(f"{master.path}?{master.query}").body.decode()
    assert "480p/" in playlist and "720p/" not in playlist  # the member's own plan's cap
