"""Movie requests in tests: a fake TMDb and a source server, and the loop run to its end."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from chalicelib.core.settings import get_settings, reload_settings
from chalicelib.movie_requests import ledger
from chalicelib.movie_requests.models import RequestRecord
from devstack.fake_tmdb import FakeTmdb
from devstack.source_server import SourceServer
from tests.support.factories import drain_queue

# The smallest bytes that look like an MP4 to the acquisition's sniffing.
MP4_HEAD = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"


@dataclass
class RequestWorld:
    tmdb: FakeTmdb
    sources: SourceServer
    folder: Path

    def serve(self, name: str, body: bytes) -> str:
        (self.folder / name).write_bytes(body)
        return self.sources.url(name)


@contextmanager
def request_world(monkeypatch: pytest.MonkeyPatch, folder: Path,
                  **settings: str) -> Iterator[RequestWorld]:
    """The app pointed at a fake TMDb and a source server; `settings` are more variables."""
    with FakeTmdb() as tmdb, SourceServer(folder) as sources:
        for name, value in {**tmdb.environ(), **settings}.items():
            monkeypatch.setenv(name, value)
        reload_settings()
        try:
            yield RequestWorld(tmdb, sources, folder)
        finally:
            monkeypatch.undo()
            reload_settings()


def run_request_loop(*, allow_failures: bool = False) -> int:
    """Deliver movie-request steps and notifications until both queues are empty."""
    queues, total = get_settings().queues, 0
    while True:
        handled = drain_queue(queues.movie_requests, allow_failures=allow_failures) \
            + drain_queue(queues.notifications)
        if not handled:
            return total
        total += handled


def run_request_loop_until_settled_from(request_id: str, state: str,
                                        seconds: float = 60.0) -> RequestRecord:
    """Run the loop while the request is still `state` (a task of its own is at work and
    reports on the queue); the request once it has moved on. A generous bound, polled."""
    give_up = time.monotonic() + seconds
    while True:
        run_request_loop()
        request = ledger.get_request(request_id)
        if request.state != state:
            return request
        assert time.monotonic() < give_up, f"the request is still {state} after {seconds} s"
        time.sleep(0.2)
