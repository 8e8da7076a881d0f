"""The local stand-in for API Gateway's WebSocket API (`chalice local` serves none).

As the event dispatcher plays Lambda's part for SQS, this plays API Gateway's for the
app's `on_ws_connect` / `on_ws_message` / `on_ws_disconnect` handlers:
- a WebSocket server (the `websockets` library) that gives every connection an id and
  calls the handlers with API Gateway-shaped events: `$connect` during the handshake
  (a non-2xx answer refuses it; the `Sec-WebSocket-Protocol` it answers is the one
  chosen), `$default` for each frame, `$disconnect` when the socket closes;
- the management API (`POST/DELETE/GET /{stage}/@connections/{id}`) on a second, loopback
  port, which boto3's `apigatewaymanagementapi` client speaks to as it would to AWS; an
  unknown or closed connection is `410 GoneException`.
Frames of one connection are handled one after the other; connections in parallel.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
import secrets
import socket
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qsl, unquote, urlsplit

from chalice.app import Chalice
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

from chalicelib.core import envvars
from devstack.dispatcher import LambdaContext, lambda_timeout

logger = logging.getLogger(__name__)

MAX_FRAME_BYTES = 128 * 1024  # API Gateway's message size limit
HANDLER_THREADS = 8
POST_TIMEOUT_SECONDS = 5
LambdaHandler = Callable[[dict[str, Any], Any], Any]


class LocalWebSocketGateway:
    """`start(app)` serves `ws://host:port`. Both ports are bound on construction (port 0:
    any free one; OSError when taken), so the API's environment can name them first."""

    def __init__(self, host: str, port: int, stage: str = "local") -> None:
        self._listener = socket.create_server((host, port))
        self.host, self.port, self.stage = host, self._listener.getsockname()[1], stage
        self.api_id = "local"
        self._connections: dict[str, ServerConnection] = {}
        self._chosen: dict[str, str | None] = {}
        self._handlers: dict[str, tuple[str, LambdaHandler]] = {}
        self._loop = asyncio.new_event_loop()
        self._pool = ThreadPoolExecutor(HANDLER_THREADS, thread_name_prefix="ws-handler")
        self._management = ManagementServer((host, 0), management_handler(self))
        self._threads: list[threading.Thread] = []
        self._server: Server | None = None

    @property
    def socket_url(self) -> str:
        return f"ws://{self.host}:{self.port}"

    @property
    def management_url(self) -> str:
        return f"http://{self.host}:{self._management.server_address[1]}/{self.stage}"

    # ------------------------------------------------------------------ lifecycle
    def start(self, app: Chalice) -> LocalWebSocketGateway:
        """Serve the app's websocket handlers; OSError when the port is taken."""
        for route, config in app.websocket_handlers.items():
            self._handlers[route] = (config.name, app.handler_map[config.name])
        self._threads = [
            threading.Thread(target=self._loop.run_forever, name="ws-gateway", daemon=True),
            threading.Thread(target=self._management.serve_forever, name="ws-management",
                             daemon=True)]
        for thread in self._threads:
            thread.start()
        asyncio.run_coroutine_threadsafe(self._serve(), self._loop).result(timeout=10)
        return self

    async def _serve(self) -> None:
        self._server = await serve(
            self._session, sock=self._listener, process_request=self._connect,
            select_subprotocol=self._subprotocol, max_size=MAX_FRAME_BYTES,
            compression=None, ping_interval=20, ping_timeout=20)

    def stop(self) -> None:
        """Stop serving (a gateway never started only lets its management port go)."""
        if not self._threads:
            self._management.server_close()
            self._listener.close()
            return
        self._management.shutdown()
        self._management.server_close()
        if self._server is not None:
            server = self._server

            async def close() -> None:
                server.close()
                await server.wait_closed()

            try:
                asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=5)
            except Exception:
                logger.warning("the WebSocket server did not close cleanly", exc_info=True)
        self._loop.call_soon_threadsafe(self._loop.stop)
        for thread in self._threads:
            thread.join(timeout=2)
        self._pool.shutdown(wait=False, cancel_futures=True)

    # ------------------------------------------------------------------ the socket side
    async def _connect(self, connection: ServerConnection, request: Request) -> Response | None:
        connection_id = _connection_id()
        connection.reelstack_id = connection_id  # type: ignore[attr-defined]
        event = self._event("$connect", connection_id, connection, request.headers,
                            query=dict(parse_qsl(urlsplit(request.path).query)))
        answer = await self._invoke("$connect", event)
        status = int(answer.get("statusCode", 200)) if isinstance(answer, dict) else 200
        if not 200 <= status < 300:
            body = answer.get("body") if isinstance(answer, dict) else None
            return connection.respond(status, str(body or HTTPStatus(status).phrase))
        headers = {str(k).lower(): str(v) for k, v in
                   ((answer or {}).get("headers") or {}).items()} if isinstance(answer, dict) \
            else {}
        self._chosen[connection_id] = headers.get("sec-websocket-protocol")
        return None

    def _subprotocol(self, connection: ServerConnection,
                     offered: Sequence[Subprotocol]) -> Subprotocol | None:
        chosen = self._chosen.pop(connection.reelstack_id, None)  # type: ignore[attr-defined]
        return Subprotocol(chosen) if chosen and chosen in offered else None

    async def _session(self, connection: ServerConnection) -> None:
        connection_id: str = connection.reelstack_id  # type: ignore[attr-defined]
        self._connections[connection_id] = connection
        try:
            async for frame in connection:
                text = frame if isinstance(frame, str) else frame.decode("utf-8", "replace")
                event = self._event("$default", connection_id, connection, None, body=text)
                await self._invoke("$default", event)
        except ConnectionClosed:
            pass
        finally:
            self._connections.pop(connection_id, None)
            event = self._event("$disconnect", connection_id, connection,
                                connection.request.headers if connection.request else None,
                                close_code=connection.close_code or 1006,
                                close_reason=connection.close_reason or "")
            await self._invoke("$disconnect", event)

    async def _invoke(self, route: str, event: dict[str, Any]) -> Any:
        found = self._handlers.get(route) or self._handlers.get("$default")
        if found is None:
            return {"statusCode": 200}
        name, handler = found
        context = LambdaContext(name, timeout_seconds=lambda_timeout(name))
        try:
            return await self._loop.run_in_executor(self._pool, handler, event, context)
        except Exception:
            logger.exception("the %s handler raised", route)
            return {"statusCode": 500, "body": "Internal server error"}

    def _event(self, route: str, connection_id: str, connection: ServerConnection,
               headers: Headers | None, **details: Any) -> dict[str, Any]:
        return socket_event(
            route, connection_id, domain_name=f"{self.host}:{self.port}", stage=self.stage,
            source_ip=connection.remote_address[0] if connection.remote_address else None,
            headers=None if headers is None else list(headers.raw_items()), **details)

    # ------------------------------------------------------------------ the management API
    def post(self, connection_id: str, data: bytes) -> bool:
        connection = self._connections.get(connection_id)
        if connection is None:
            return False
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            message: str | bytes = data
        else:
            message = text
        sent = asyncio.run_coroutine_threadsafe(connection.send(message), self._loop)
        try:
            sent.result(timeout=POST_TIMEOUT_SECONDS)
        except ConnectionClosed:
            return False
        return True

    def close(self, connection_id: str) -> bool:
        connection = self._connections.get(connection_id)
        if connection is None:
            return False
        asyncio.run_coroutine_threadsafe(connection.close(1000, "closed by the server"),
                                         self._loop).result(timeout=POST_TIMEOUT_SECONDS)
        return True

    def info(self, connection_id: str) -> dict[str, Any] | None:
        connection = self._connections.get(connection_id)
        if connection is None:
            return None
        return {"ConnectedAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "Identity": {"SourceIp": connection.remote_address[0]}}


EVENT_TYPES = {"$connect": "CONNECT", "$disconnect": "DISCONNECT"}


def socket_event(route: str, connection_id: str, *, domain_name: str = "127.0.0.1",
                 stage: str = "local", source_ip: str | None = None,
                 headers: list[tuple[str, str]] | None = None,
                 query: dict[str, str] | None = None, body: str | None = None,
                 close_code: int | None = None, close_reason: str = "") -> dict[str, Any]:
    """An event as API Gateway hands a WebSocket route's Lambda (proxy integration)."""
    now_ms = int(time.time() * 1000)
    kind = EVENT_TYPES.get(route, "MESSAGE")
    context: dict[str, Any] = {
        "routeKey": route, "eventType": kind, "messageDirection": "IN",
        "connectionId": connection_id, "apiId": "local", "stage": stage,
        "domainName": domain_name, "requestId": uuid.uuid4().hex, "requestTimeEpoch": now_ms,
        "connectedAt": now_ms, "identity": {"sourceIp": source_ip or "127.0.0.1"}}
    event: dict[str, Any] = {"isBase64Encoded": False, "requestContext": context}
    if kind == "MESSAGE":
        context["messageId"] = uuid.uuid4().hex
        event["body"] = body
    if kind == "DISCONNECT":
        context["disconnectStatusCode"] = close_code or 1005
        context["disconnectReason"] = close_reason
    if headers is not None:
        event["headers"] = dict(headers)
        event["multiValueHeaders"] = {name: [v for n, v in headers if n == name]
                                      for name, _ in headers}
    if kind == "CONNECT":
        event["queryStringParameters"] = query or None
        event["multiValueQueryStringParameters"] = {k: [v] for k, v in (query or {}).items()
                                                    } or None
    return event


class ManagementServer(ThreadingHTTPServer):
    """A fan-out opens up to a pool's worth of connections at once: the default backlog
    (5) would drop the rest's SYNs, which TCP retries a second later."""

    request_queue_size = 128
    daemon_threads = True


class ManagedConnections(Protocol):
    """What the management API acts on: the gateway's open connections (or a test's)."""

    def post(self, connection_id: str, data: bytes) -> bool: ...

    def close(self, connection_id: str) -> bool: ...

    def info(self, connection_id: str) -> dict[str, Any] | None: ...


def _connection_id() -> str:
    # API Gateway's ids are base64 (with '='), so clients must quote them in URLs.
    return base64.b64encode(secrets.token_bytes(9) + b"\x00").decode()


def management_handler(gateway: ManagedConnections) -> type[BaseHTTPRequestHandler]:
    class ManagementHandler(BaseHTTPRequestHandler):
        server_version = "ReelstackWebSocketManagement"
        protocol_version = "HTTP/1.1"  # botocore keeps its connections: no connect a post

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            data = self.rfile.read(length)
            self._answer(gateway.post(self._connection(), data), HTTPStatus.OK)

        def do_DELETE(self) -> None:
            self._answer(gateway.close(self._connection()), HTTPStatus.NO_CONTENT)

        def do_GET(self) -> None:
            info = gateway.info(self._connection())
            self._answer(info is not None, HTTPStatus.OK, info)

        def _connection(self) -> str:
            path = urlsplit(self.path).path
            _, marker, rest = path.partition("/@connections/")
            return unquote(rest) if marker else ""

        def _answer(self, found: bool, status: HTTPStatus,
                    body: dict[str, Any] | None = None) -> None:
            if not found:
                status, body = HTTPStatus.GONE, {"message": "GoneException"}
                self.send_response(status)
                self.send_header("x-amzn-ErrorType", "GoneException")
            else:
                self.send_response(status)
            payload = json.dumps(body).encode() if body is not None else b""
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            logger.debug("management API: " + format, *args)

    return ManagementHandler


def main() -> None:  # pragma: no cover - `python -m devstack.ws_gateway`, for trying it alone
    import argparse
    import importlib

    from devstack.environment import use_local_environment

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    use_local_environment()
    gateway = LocalWebSocketGateway(args.host, args.port)
    os.environ[envvars.PARTY_MANAGEMENT_URL] = gateway.management_url
    os.environ[envvars.PARTY_SOCKET_URL] = gateway.socket_url
    gateway.start(importlib.import_module("app").app)
    print(f"WebSocket gateway on {gateway.socket_url}, management API on "
          f"{gateway.management_url}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        gateway.stop()


if __name__ == "__main__":
    main()
