"""Messages to open WebSocket connections through API Gateway's management API
(`post_to_connection`, `delete_connection`).

In the cloud the endpoint is the WebSocket API's stage (`https://{domain}/{stage}`, from
the socket event, or REELSTACK_PARTY_MANAGEMENT_URL for the HTTP API's functions);
locally it is the gateway `make run` starts (devstack/ws_gateway.py), which serves the
same API. So one client class runs in both places.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from botocore.config import Config
from botocore.exceptions import ClientError

from chalicelib.core.settings import Settings, get_settings, on_settings_reload

logger = logging.getLogger(__name__)

# A party has at most 20 members, a few connections each: one round of posts in parallel.
FAN_OUT_THREADS = 16
CLIENT_CONFIG = Config(connect_timeout=2, read_timeout=5, max_pool_connections=FAN_OUT_THREADS,
                       retries={"max_attempts": 2, "mode": "standard"})
GONE = "GoneException"


class ConnectionPush(Protocol):
    """What the party code needs of the management API."""

    def send(self, connection_id: str, message: dict[str, Any]) -> bool:
        """Post one JSON message; False when the connection is gone."""
        ...

    def close(self, connection_id: str) -> None:
        ...


class ManagementApi:
    """boto3's `apigatewaymanagementapi` client on one endpoint, built on first use (a
    request that pushes to nobody does not pay for it)."""

    def __init__(self, endpoint_url: str, settings: Settings, client: Any | None = None) -> None:
        self.endpoint_url = endpoint_url
        self._region = settings.region
        self._client = client
        self._lock = threading.Lock()

    @property
    def client(self) -> Any:
        with self._lock:
            if self._client is None:
                if not self.endpoint_url:
                    raise RuntimeError("No WebSocket management endpoint: set "
                                       "REELSTACK_PARTY_MANAGEMENT_URL")
                import boto3  # deferred: importing boto3 costs a cold start ~0.2 s

                self._client = boto3.session.Session(region_name=self._region).client(
                    "apigatewaymanagementapi", endpoint_url=self.endpoint_url,
                    config=CLIENT_CONFIG)
            return self._client

    def send(self, connection_id: str, message: dict[str, Any]) -> bool:
        try:
            self.client.post_to_connection(ConnectionId=connection_id,
                                            Data=json.dumps(message).encode())
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == GONE:
                return False
            raise
        return True

    def close(self, connection_id: str) -> None:
        try:
            self.client.delete_connection(ConnectionId=connection_id)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != GONE:
                raise


_lock = threading.Lock()
_apis: dict[str, ManagementApi] = {}
_pool: ThreadPoolExecutor | None = None


def management_api(domain_name: str | None = None, stage: str | None = None) -> ManagementApi:
    """The configured endpoint, else the one the socket event names (cached per endpoint:
    a client costs tens of milliseconds to build)."""
    settings = get_settings()
    endpoint = settings.parties.management_url or (
        f"https://{domain_name}/{stage}" if domain_name and stage else "")
    with _lock:
        api = _apis.get(endpoint)
        if api is None:
            api = _apis[endpoint] = ManagementApi(endpoint, settings)
    return api


on_settings_reload(lambda _: _apis.clear())


def fan_out(push: ConnectionPush, connection_ids: Iterable[str],
            message: dict[str, Any]) -> set[str]:
    """Send `message` to every connection at once; returns those that are gone. A
    connection that fails otherwise is logged and skipped: the others still get it."""
    global _pool  # noqa: PLW0603 - one pool per process, built on first use
    targets = list(dict.fromkeys(connection_ids))
    if len(targets) <= 1:
        return {c for c in targets if not _send(push, c, message)}
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(FAN_OUT_THREADS, thread_name_prefix="party-push")
    sent = list(_pool.map(lambda c: _send(push, c, message), targets))
    return {c for c, delivered in zip(targets, sent, strict=True) if not delivered}


def _send(push: ConnectionPush, connection_id: str, message: dict[str, Any]) -> bool:
    try:
        return push.send(connection_id, message)
    except Exception:
        logger.warning("could not post to connection %s", connection_id, exc_info=True)
        return True  # not known to be gone: keep it


def close_all(push: ConnectionPush, connection_ids: Iterable[str]) -> None:
    for connection_id in connection_ids:
        try:
            push.close(connection_id)
        except Exception:
            logger.warning("could not close connection %s", connection_id, exc_info=True)
