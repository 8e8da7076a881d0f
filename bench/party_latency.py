"""Watch parties over the local WebSocket gateway: command-to-peer latency (p50/p99) with
10 members, and DynamoDB calls per command. Baseline: a ping's round trip through the
same gateway and handler (no DynamoDB call, no fan-out), the cost of the socket path
itself. The members take turns: play, seek, pause, each waited for by every peer."""

from __future__ import annotations

import importlib
import json
import os
from contextlib import ExitStack
from typing import TYPE_CHECKING

from bench.common import bench_emulator, percentiles

if TYPE_CHECKING:
    from tests.support.party_clients import PartyClient

MEMBERS = int(os.environ.get("BENCH_PARTY_MEMBERS", "10"))
COMMANDS = int(os.environ.get("BENCH_RUNS", "60"))
WARM_UP = 6


def main() -> None:
    with bench_emulator():
        from chalice.test import Client

        from chalicelib.core import envvars
        from chalicelib.core.clients import aws_client
        from chalicelib.core.settings import get_settings, reload_settings
        from devstack.ws_gateway import LocalWebSocketGateway
        from tests.support.api import Browser
        from tests.support.aws_calls import counting_dynamodb_calls
        from tests.support.catalog import token_headers
        from tests.support.factories import make_account
        from tests.support.hls import make_playable_movie
        from tests.support.party_clients import party_client

        gateway = LocalWebSocketGateway("127.0.0.1", 0)
        os.environ[envvars.PARTY_MANAGEMENT_URL] = gateway.management_url
        os.environ[envvars.PARTY_SOCKET_URL] = gateway.socket_url
        reload_settings()
        app = importlib.import_module("app").app
        gateway.start(app)
        try:
            with Client(app, stage_name="local") as client:
                browser = Browser(client)
                headers = [token_headers(browser, make_account()) for _ in range(MEMBERS)]
                party = browser.post("/api/parties/", {
                    "movie_id": make_playable_movie("Bench Party").movie_id,
                    "control": "everyone"}, headers=headers[0]).json_body
                party_id = party["party_id"]
                for guest in headers[1:]:
                    browser.post(f"/api/parties/{party_id}/members/",
                                 {"invite_code": party["invite_code"]}, headers=guest)
                tickets = [browser.post(f"/api/parties/{party_id}/ticket/", headers=h)
                           .json_body["ticket"] for h in headers]
            with ExitStack() as stack:
                clients = [stack.enter_context(party_client(gateway.socket_url, party_id, t))
                           for t in tickets]
                for member in clients:
                    member.send("hello")
                    member.wait_for("welcome")
                for n in range(WARM_UP):  # clients, pools and caches built once
                    take_turn(clients, n)
                pings, peers = [], []
                with counting_dynamodb_calls() as calls:
                    for n in range(COMMANDS):
                        peers += take_turn(clients, n)
                for n in range(COMMANDS):
                    sent = clients[0].send("ping", t=n)
                    at, _ = clients[0].wait_for("pong")
                    pings.append(at - sent)
            item = aws_client("dynamodb").get_item(
                TableName=get_settings().tables.parties, Key={"party_id": {"S": party_id}})
            report(peers, pings, dict(calls), len(json.dumps(item["Item"])))
        finally:
            gateway.stop()


def take_turn(clients: list[PartyClient], n: int) -> list[float]:
    """One member's command, waited for by all; the seconds each peer waited for it."""
    sender = clients[n % len(clients)]
    action = ("play", "seek", "pause")[n % 3]
    sent = sender.send(action, **({"position": float(n)} if action == "seek" else {}))
    waited = []
    for member in clients:
        at, _ = member.wait_for("state", lambda message: message["action"] == action)
        if member is not sender:
            waited.append(at - sent)
    return waited


def report(peers: list[float], pings: list[float], calls: dict[str, int],
           item_bytes: int) -> None:
    p50, p99 = percentiles(peers)
    b50, b99 = percentiles(pings)
    per_command = {op: round(count / COMMANDS, 2) for op, count in sorted(calls.items())}
    print(f"\nParty over the local gateway: {MEMBERS} members, {COMMANDS} commands "
          f"({len(peers)} deliveries to peers)")
    print(f"  {'':36} {'p50':>8} {'p99':>8}")
    print(f"  {'ping round trip (baseline)':36} {b50 * 1000:6.1f}ms {b99 * 1000:6.1f}ms")
    print(f"  {'command -> each peer':36} {p50 * 1000:6.1f}ms {p99 * 1000:6.1f}ms")
    print(f"  ratio p50 (command / ping): {p50 / b50:.1f}x")
    print(f"  DynamoDB calls per command: {per_command}; the party's item: about "
          f"{item_bytes} bytes (as JSON), so each write is {item_bytes // 1024 + 1} WRU")


if __name__ == "__main__":
    main()
