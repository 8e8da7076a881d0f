"""Watching the app's AWS calls from tests and benchmarks: botocore event listeners on its
clients, and the DynamoDB calls counted by operation. Not part of the Lambda package."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from chalicelib.core.dynamo import dynamodb_clients
from chalicelib.core.settings import Settings, on_settings_reload

_listeners: dict[str, Callable[[], None]] = {}
_reattaching = False


def _reattach_listeners(_: Settings) -> None:
    for attach in list(_listeners.values()):
        attach()


@contextmanager
def listening(clients: Callable[[], Iterable[Any]], event: str,
              handler: Callable[..., None]) -> Iterator[None]:
    """Call `handler` on a botocore event of each client `clients()` names while the block
    runs; listeners may nest. A settings reload inside the block builds new clients: they
    are asked for and hooked too."""
    global _reattaching  # noqa: PLW0603 - one reload hook for every listener
    hook_id, attached = f"listener-{uuid.uuid4().hex}", list[Any]()

    def attach() -> None:
        for client in clients():
            if all(client is not known for known in attached):
                client.meta.events.register(event, handler, unique_id=hook_id)
                attached.append(client)

    if not _reattaching:
        # Registered on first use, so it runs after the hooks that rebuild the clients.
        on_settings_reload(_reattach_listeners)
        _reattaching = True
    attach()
    _listeners[hook_id] = attach
    try:
        yield
    finally:
        del _listeners[hook_id]
        for client in attached:
            client.meta.events.unregister(event, unique_id=hook_id)


@contextmanager
def counting_dynamodb_calls() -> Iterator[Counter[str]]:
    """Count DynamoDB API calls by operation while the block runs: every bound model's
    client, the transaction connection and the boto3 client."""
    calls: Counter[str] = Counter()

    def count(**kwargs: Any) -> None:
        calls[kwargs["model"].name] += 1

    with listening(dynamodb_clients, "before-call.dynamodb", count):
        yield calls
