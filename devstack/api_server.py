"""The API on this machine, answering at its edge as API Gateway does in the cloud.

`chalice local` answers a path no route has with 403 `{"message": "Missing Authentication
Token"}` (and echoes the Authorization header back when one was sent), an unknown method
such as TRACE with an HTML 501 page, and a bad Content-Length by dropping the connection.
This server is chalice's own local server with its gateway and request handler subclassed,
so every refusal is the API's JSON `{"Code", "Message"}`, as the cloud's gateway responses
(cloud/api.py) make them:

    no route for the path          404 NotFound
    a method the route lacks       405 MethodNotAllowed, with Allow (TRACE, CONNECT too)
    URL over 8192 bytes            414 URITooLong   (API Gateway's edge-optimized limit)
    headers over 10240 bytes       431 HeadersTooLarge
    body over 10 MB                413 PayloadTooLarge
    a malformed request            400 InvalidInput

`make run` starts it as `python -m devstack.api_server --stage local`.
"""

from __future__ import annotations

import argparse
import json
import os
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

from chalice.app import Chalice
from chalice.cli.factory import CLIFactory
from chalice.config import Config
from chalice.deploy.validate import validate_routes
from chalice.local import (
    ChaliceRequestHandler,
    CustomLocalChalice,
    LocalChalice,
    LocalDevServer,
    LocalGateway,
    LocalGatewayException,
    ResponseType,
    RouteMatcher,
)

from chalicelib.core.errors import (
    HeadersTooLarge,
    InvalidInput,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    ReelstackError,
    URITooLong,
)
from chalicelib.core.validation import ascii_int
from devstack.environment import PROJECT_ROOT
from devstack.task_runners import register_local_runners

MAX_URL_BYTES = 8192
MAX_HEADER_BYTES = 10240
MAX_PAYLOAD_BYTES = 10 * 1024 * 1024
# The methods API Gateway routes; any other is refused before the app is asked.
GATEWAY_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class EdgeRefusal(LocalGatewayException):
    """A request the gateway answers itself, in the API's error shape."""

    def __init__(self, error: ReelstackError, headers: dict[str, str] | None = None) -> None:
        body = json.dumps(error.to_body()).encode()
        super().__init__({"Content-Type": "application/json", **error.headers(),
                          **(headers or {})}, body)
        self.CODE = error.status
        self.error = error


class EdgeGateway(LocalGateway):
    """Chalice's local API Gateway, refusing unknown paths and methods as JSON."""

    def __init__(self, app_object: Chalice, config: Config) -> None:
        super().__init__(app_object, config)
        self._routes: dict[str, dict[str, Any]] = app_object.routes
        self._matcher = RouteMatcher(list(app_object.routes))

    def allowed_methods(self, path: str) -> list[str] | None:
        """The methods of the route `path` matches, or None when none does."""
        try:
            route = self._matcher.match_route(path).route
        except ValueError:
            return None
        return sorted(self._routes[route])

    def refusal(self, method: str, path: str) -> ReelstackError | None:
        """Why the gateway answers this request itself, or None: the app answers it."""
        allowed = self.allowed_methods(path)
        if allowed is None:
            return NotFound("No such route.")
        if method not in allowed and method != "OPTIONS":
            return MethodNotAllowed(f"{method} is not allowed here.", allowed)
        return None

    def handle_request(self, method: str, path: str, headers: dict[str, Any],
                       body: bytes | None) -> ResponseType:
        refused = self.refusal(method, path)
        if refused is not None:
            raise EdgeRefusal(refused, cors_headers(headers))
        return super().handle_request(method, path, headers, body)


def cors_headers(request_headers: dict[str, Any]) -> dict[str, str]:
    """What the cloud's gateway responses send (cloud/api.py): error bodies hold no data,
    so any page may read them."""
    origin = next((value for name, value in request_headers.items()
                   if name.lower() == "origin"), None)
    if not origin:
        return {}
    return {"Access-Control-Allow-Origin": origin, "Access-Control-Allow-Credentials": "true",
            "Vary": "Origin"}


class EdgeRequestHandler(ChaliceRequestHandler):
    """Chalice's request handler with the edge's limits, and JSON for every refusal the
    HTTP server itself makes (a bad request line, over-long headers...)."""

    def __init__(self, request: Any, client_address: tuple[str, int], server: HTTPServer,
                 app_object: Chalice, config: Config) -> None:
        # ChaliceRequestHandler.__init__ would build its own gateway, then serve at once.
        self.local_gateway: EdgeGateway = EdgeGateway(app_object, config)
        BaseHTTPRequestHandler.__init__(self, request, client_address, server)

    def parse_request(self) -> bool:
        if not super().parse_request():
            return False
        refused = self._refusal()
        if refused is not None:
            self.refuse(refused)
            return False
        return True

    def _refusal(self) -> ReelstackError | None:
        if len(self.path) > MAX_URL_BYTES:
            return URITooLong(f"The URL is longer than {MAX_URL_BYTES} bytes.")
        if sum(len(name) + len(value) + 4 for name, value in self.headers.items()) \
                > MAX_HEADER_BYTES:
            return HeadersTooLarge(f"The headers are larger than {MAX_HEADER_BYTES} bytes.")
        if self.command not in GATEWAY_METHODS:
            return MethodNotAllowed(f"{self.command} is not allowed here.",
                                    self.local_gateway.allowed_methods(self.path) or [])
        length = ascii_int(self.headers.get("content-length", "0"))
        if length is None:
            return InvalidInput("Content-Length must be a number of bytes.")
        if length > MAX_PAYLOAD_BYTES:
            return PayloadTooLarge(f"The request body is larger than {MAX_PAYLOAD_BYTES} "
                                   "bytes.", limit=MAX_PAYLOAD_BYTES)
        return None

    def refuse(self, error: ReelstackError) -> None:
        """Answer with `error` and close: a body we did not read may follow on the wire."""
        self.close_connection = True
        body = json.dumps(error.to_body()).encode()
        # A request line too long to read leaves no headers (nor method) behind, and a
        # garbled one leaves HTTP/0.9, which would send the body without a status line.
        request_headers = dict(getattr(self, "headers", None) or {})
        self.request_version = "HTTP/1.1"
        self.send_response(error.status)
        headers = {"Content-Type": "application/json", "Content-Length": str(len(body)),
                   "Connection": "close", **error.headers(), **cors_headers(request_headers)}
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if getattr(self, "command", None) != "HEAD":
            self.wfile.write(body)

    def send_error(self, code: int, message: str | None = None,
                   explain: str | None = None) -> None:
        # The HTTP server's own refusals, before any route is known. Its messages quote the
        # request line back; ours say what was wrong and echo nothing.
        self.refuse(_server_refusal(code))


def _server_refusal(code: int) -> ReelstackError:
    if code == HTTPStatus.REQUEST_URI_TOO_LONG:
        return URITooLong("The request line is too long.")
    if code == HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE:
        return HeadersTooLarge("The request has too many or too long headers.")
    return InvalidInput("The request is not valid HTTP/1.1.")


def edge_server(app: Chalice, config: Config, host: str, port: int) -> LocalDevServer:
    """Chalice's local server (a thread per request) with the edge's handler."""
    if not isinstance(app, LocalChalice):
        # As chalice.local.create_local_server does: `current_request` becomes per thread.
        CustomLocalChalice.__bases__ = (LocalChalice, app.__class__)
        app.__class__ = CustomLocalChalice
    return LocalDevServer(app, config, host, port, handler_cls=EdgeRequestHandler)


def main() -> None:
    parser = argparse.ArgumentParser(description="The API as `chalice local` serves it, "
                                                 "refusing at its edge as API Gateway does.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--stage", default="local")
    args = parser.parse_args()
    register_local_runners()  # admin routes retry transcodes
    # The stage's environment from .chalice/config.json, then the app, as chalice local.
    config = CLIFactory(str(PROJECT_ROOT), environ=os.environ).create_config_obj(
        chalice_stage_name=args.stage)
    app = config.chalice_app
    validate_routes(app.routes)
    try:
        server = edge_server(app, config, args.host, args.port)
    except OSError as error:  # the port is taken: one line, not a traceback
        raise SystemExit(f"cannot serve the API on {args.host}:{args.port}: "
                         f"{error.strerror}") from None
    server.serve_forever()


if __name__ == "__main__":
    main()
