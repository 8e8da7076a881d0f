"""Movie requests in tests: a fake TMDb and a source server, and the loop run to its end."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from chalicelib.core.settings import get_settings, reload_settings
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
