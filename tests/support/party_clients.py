"""Real WebSocket clients of a party (the `websockets` library), for the e2e tier and the
latency benchmark: each reads on a thread of its own and keeps what arrived, when."""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Subprotocol

PROTOCOL = "reelstack-party"
Predicate = Callable[[dict[str, Any]], bool]


@dataclass
class PartyClient:
    party_id: str
    socket: ClientConnection
    arrived: queue.Queue[tuple[float, dict[str, Any]]] = field(default_factory=queue.Queue)
    seen: list[tuple[float, dict[str, Any]]] = field(default_factory=list)
    closed: threading.Event = field(default_factory=threading.Event)

    def start(self) -> PartyClient:
        threading.Thread(target=self._read, daemon=True).start()
        return self

    def _read(self) -> None:
        try:
            for frame in self.socket:
                self.arrived.put((time.perf_counter(), json.loads(frame)))
        except ConnectionClosed:
            pass
        finally:
            self.closed.set()

    def send(self, action: str, **fields: Any) -> float:
        """Send a command of this party; returns when it left (perf_counter)."""
        sent = time.perf_counter()
        self.socket.send(json.dumps({"action": action, "party_id": self.party_id, **fields}))
        return sent

    def wait_for(self, kind: str, predicate: Predicate = lambda _: True,
                 timeout: float = 20) -> tuple[float, dict[str, Any]]:
        """The first message of `kind` matching `predicate` (earlier ones are kept in
        `seen`), with when it arrived."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {kind!r} message came; seen: {self.seen[-5:]}")
            try:
                at, message = self.arrived.get(timeout=left)
            except queue.Empty:
                continue
            self.seen.append((at, message))
            if message.get("type") == kind and predicate(message):
                return at, message


@contextmanager
def party_client(socket_url: str, party_id: str, ticket: str | None) -> Iterator[PartyClient]:
    offered = [Subprotocol(p) for p in ([PROTOCOL, ticket] if ticket else [PROTOCOL])]
    with connect(f"{socket_url}/?party_id={party_id}", subprotocols=offered,
                 open_timeout=10) as socket:
        yield PartyClient(party_id, socket).start()
