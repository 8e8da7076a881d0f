"""`make run`'s API server refuses at its edge as API Gateway does, in the API's JSON shape.

A small app served by devstack/api_server.py on a loopback port, spoken to over real HTTP:
chalice's stock local server answers these requests with a 403 that echoes the
Authorization header, HTML pages, or a dropped connection.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from chalice.app import Chalice
from chalice.config import Config

from chalicelib.core.http import ApiBlueprint
from devstack.api_server import MAX_URL_BYTES, edge_server

routes = ApiBlueprint(__name__)


@routes.route("/things", methods=["GET"])
def list_things() -> list[str]:
    return ["a", "b"]


@routes.route("/things", methods=["POST"])
def add_thing() -> dict[str, str]:
    return {"added": "yes"}


@routes.route("/things/{thing_id}", methods=["GET"])
def get_thing(thing_id: str) -> dict[str, str]:
    return {"id": thing_id}


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    raw: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.raw)


@pytest.fixture(scope="module")
def address() -> Iterator[tuple[str, int]]:
    app = Chalice(app_name="edge")
    app.register_blueprint(routes)
    served = edge_server(app, Config.create(), "127.0.0.1", 0)
    thread = threading.Thread(target=served.server.serve_forever, daemon=True)
    thread.start()
    yield served.server.server_address[:2]
    served.shutdown()
    served.server.server_close()
    thread.join()


def ask(address: tuple[str, int], method: str, path: str,
        headers: dict[str, str] | None = None, body: bytes | None = None) -> Answer:
    connection = http.client.HTTPConnection(*address, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return Answer(response.status, response.headers, response.read())
    finally:
        connection.close()


def ask_raw(address: tuple[str, int], request: bytes) -> Answer:
    """Bytes no HTTP client would send."""
    with socket.create_connection(address, timeout=10) as sock:
        sock.sendall(request)
        response = http.client.HTTPResponse(sock)
        response.begin()
        return Answer(response.status, response.headers, response.read())


def assert_error_shape(answer: Answer, status: int, code: str) -> None:
    assert answer.status == status
    assert answer.headers["Content-Type"] == "application/json"
    assert set(answer.json) == {"Code", "Message"} | ({"limit"} if status == 413 else set())
    assert answer.json["Code"] == code


def test_routes_answer_as_before(address: tuple[str, int]) -> None:
    assert ask(address, "GET", "/things").json == ["a", "b"]
    assert ask(address, "GET", "/things/7?x=1").json == {"id": "7"}
    assert ask(address, "POST", "/things", {"Content-Type": "application/json"},
               b"{}").json == {"added": "yes"}


def test_an_unknown_path_is_a_404_that_echoes_nothing(address: tuple[str, int]) -> None:
    answer = ask(address, "GET", "/nowhere", {"Authorization": "Bearer secret-token-42"})

    assert_error_shape(answer, 404, "NotFound")
    assert b"secret-token-42" not in answer.raw
    assert "secret-token-42" not in str(answer.headers)


def test_a_method_the_route_lacks_is_a_405_with_allow(address: tuple[str, int]) -> None:
    answer = ask(address, "DELETE", "/things")

    assert_error_shape(answer, 405, "MethodNotAllowed")
    assert answer.headers["Allow"] == "GET, OPTIONS, POST"


@pytest.mark.parametrize("method", ["TRACE", "CONNECT", "PROPFIND"])
def test_methods_no_gateway_routes_are_a_405(address: tuple[str, int], method: str) -> None:
    answer = ask(address, method, "/things")

    assert_error_shape(answer, 405, "MethodNotAllowed")
    assert answer.headers["Allow"] == "GET, OPTIONS, POST"


@pytest.mark.parametrize("length", [MAX_URL_BYTES + 1, 70_000])
def test_an_over_long_url_is_a_414(address: tuple[str, int], length: int) -> None:
    path = "/things?q=" + "a" * (length - len("/things?q="))

    assert_error_shape(ask(address, "GET", path), 414, "URITooLong")


def test_over_large_headers_are_a_431(address: tuple[str, int]) -> None:
    headers = {f"X-Filler-{n}": "f" * 1000 for n in range(11)}

    assert_error_shape(ask(address, "GET", "/things", headers), 431, "HeadersTooLarge")


@pytest.mark.parametrize("length", ["\u00b2", "\u0661\u0660", "abc", "-1", "1e3"])
def test_a_bad_content_length_is_a_400_not_a_dropped_connection(
    address: tuple[str, int], length: str
) -> None:
    request = (f"POST /things HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n\r\n"
               .encode())

    assert_error_shape(ask_raw(address, request), 400, "InvalidInput")


def test_a_body_over_api_gateways_10_mb_is_a_413(address: tuple[str, int]) -> None:
    request = b"POST /things HTTP/1.1\r\nHost: x\r\nContent-Length: 10485761\r\n\r\n"

    assert_error_shape(ask_raw(address, request), 413, "PayloadTooLarge")


def test_a_malformed_request_is_a_json_400_that_quotes_nothing(
    address: tuple[str, int]
) -> None:
    answer = ask_raw(address, b"GET /things <script>alert(1)</script>\r\n\r\n")

    assert_error_shape(answer, 400, "InvalidInput")
    assert b"script" not in answer.raw


def test_pages_may_read_the_edge_errors_as_the_clouds(address: tuple[str, int]) -> None:
    answer = ask(address, "GET", "/nowhere", {"Origin": "http://127.0.0.1:8080"})

    assert answer.headers["Access-Control-Allow-Origin"] == "http://127.0.0.1:8080"
    assert answer.headers["Access-Control-Allow-Credentials"] == "true"


def test_the_connection_serves_on_after_a_routing_refusal(address: tuple[str, int]) -> None:
    connection = http.client.HTTPConnection(*address, timeout=10)
    try:
        connection.request("GET", "/nowhere")
        first = connection.getresponse()
        first.read()
        connection.request("GET", "/things")
        second = connection.getresponse()
        assert (first.status, second.status, json.loads(second.read())) == (
            404, 200, ["a", "b"])
    finally:
        connection.close()
