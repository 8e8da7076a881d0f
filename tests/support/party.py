"""Watch parties under test: the management API recording what the app posts (the
gateway's own HTTP handler over recorded connections), and the app's websocket handlers
driven with API Gateway's events, as the local gateway and API Gateway drive them."""

from __future__ import annotations

import base64
import itertools
import json
import os
import secrets
import threading
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from chalice.test import Client

from chalicelib.core import envvars
from chalicelib.core.settings import reload_settings
from devstack.ws_gateway import ManagementServer, management_handler, socket_event

_numbers = itertools.count(1)


@dataclass
class RecordedConnections:
    """Open connections as the management API sees them, and what was posted to each."""

    open: set[str] = field(default_factory=set)
    received: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    closed: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def post(self, connection_id: str, data: bytes) -> bool:
        with self.lock:
            if connection_id not in self.open:
                return False
            self.received[connection_id].append(json.loads(data))
            return True

    def close(self, connection_id: str) -> bool:
        with self.lock:
            if connection_id not in self.open:
                return False
            self.open.discard(connection_id)
            self.closed.append(connection_id)
            return True

    def info(self, connection_id: str) -> dict[str, Any] | None:
        return {"ConnectedAt": "now"} if connection_id in self.open else None

    def of(self, connection_id: str, kind: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            return [m for m in self.received[connection_id] if kind in (None, m.get("type"))]

    def last(self, connection_id: str, kind: str) -> dict[str, Any]:
        found = self.of(connection_id, kind)
        assert found, f"{connection_id} got no {kind!r} message: {self.of(connection_id)}"
        return found[-1]

    def forget(self) -> None:
        with self.lock:
            self.received.clear()


@contextmanager
def recording_management_api() -> Iterator[RecordedConnections]:
    """The app posts to connections through this (REELSTACK_PARTY_MANAGEMENT_URL)."""
    recorded = RecordedConnections()
    server = ManagementServer(("127.0.0.1", 0), management_handler(recorded))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    before = os.environ.get(envvars.PARTY_MANAGEMENT_URL)
    os.environ[envvars.PARTY_MANAGEMENT_URL] = f"http://127.0.0.1:{server.server_address[1]}/api"
    reload_settings()
    try:
        yield recorded
    finally:
        server.shutdown()
        server.server_close()
        if before is None:
            os.environ.pop(envvars.PARTY_MANAGEMENT_URL, None)
        else:
            os.environ[envvars.PARTY_MANAGEMENT_URL] = before
        reload_settings()


def connection_id() -> str:
    """Shaped like API Gateway's (base64, with '=')."""
    return base64.b64encode(secrets.token_bytes(9) + bytes([next(_numbers) % 256])).decode()


@dataclass
class PartySockets:
    """The app's websocket handlers, invoked as Lambda functions of their cloud names."""

    client: Client
    connections: RecordedConnections

    def connect(self, party_id: str, *, ticket: str | None = None, cookie: str | None = None,
                origin: str | None = None, protocol: bool = True) -> tuple[str, dict[str, Any]]:
        """(connection id, the handler's answer); an accepted connection is open."""
        headers = []
        offered = (["reelstack-party"] if protocol else []) + ([ticket] if ticket else [])
        if offered:
            headers.append(("Sec-WebSocket-Protocol", ", ".join(offered)))
        if cookie:
            headers.append(("Cookie", f"access_token={cookie}"))
        if origin:
            headers.append(("Origin", origin))
        connection = connection_id()
        answer = self.client.lambda_.invoke("websocket_connect", socket_event(
            "$connect", connection, headers=headers, query={"party_id": party_id})).payload
        if answer["statusCode"] == 200:
            self.connections.open.add(connection)
        return connection, answer

    def send(self, connection: str, message: dict[str, Any] | str) -> None:
        body = message if isinstance(message, str) else json.dumps(message)
        self.client.lambda_.invoke("websocket_message",
                                   socket_event("$default", connection, body=body))

    def disconnect(self, connection: str) -> None:
        self.connections.open.discard(connection)
        self.client.lambda_.invoke("websocket_disconnect",
                                   socket_event("$disconnect", connection, close_code=1001))
