"""PynamoDB connections share one botocore session and build their client once, however
many threads meet them first (chalicelib/core/dynamo.py: a thread per request in the local
API used to build a session and a client per thread, 940 MB under load)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from pynamodb.connection import Connection

from chalicelib.core.dynamo import _share_session

THREADS = 8


def _first_use_from_threads(connection: Connection) -> list[tuple[Any, Any]]:
    """What each of THREADS threads gets when they ask for the client all at once."""
    ready = threading.Barrier(THREADS)

    def first_call(_: int) -> tuple[Any, Any]:
        ready.wait()
        return connection.client, connection.session

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        return list(pool.map(first_call, range(THREADS)))


def _unreachable_connection() -> Connection:
    # Building a client sends nothing: no emulator is needed.
    return _share_session(Connection(region="us-east-1", host="http://127.0.0.1:9"))


def test_threads_meeting_a_connection_first_share_one_client() -> None:
    seen = _first_use_from_threads(_unreachable_connection())
    assert len({id(client) for client, _ in seen}) == 1
    assert len({id(session) for _, session in seen}) == 1


def test_connections_share_the_process_session() -> None:
    first, second = _unreachable_connection(), _unreachable_connection()
    assert first.session is second.session
    assert first.client is not second.client  # each its own endpoint and settings


def test_a_connection_with_its_own_credentials_keeps_its_own_session() -> None:
    connection = _share_session(Connection(
        region="us-east-1", host="http://127.0.0.1:9", aws_access_key_id="someone",
        aws_secret_access_key="secret"))
    assert connection.session is not _unreachable_connection().session
