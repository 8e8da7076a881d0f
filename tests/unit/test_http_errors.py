"""Every error leaves the API as JSON {"Code", "Message"} with the right status."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from chalice.app import Chalice
from chalice.test import Client

from chalicelib.core import errors
from chalicelib.core.http import ApiBlueprint, json_body

routes = ApiBlueprint(__name__)

RAISED: dict[str, errors.ReelstackError] = {
    "not-found": errors.NotFound("No movie 42."),
    "conflict": errors.Conflict("Taken.", active_sessions=["s1"]),
    "throttled": errors.TooManyRequests("Slow down.", retry_after=30),
    "forbidden": errors.Forbidden("Admins only."),
}


@routes.route("/echo", methods=["POST"])
def echo() -> dict[str, Any]:
    return json_body(routes.current_request)


@routes.route("/fail/{name}", methods=["GET"])
def fail(name: str) -> None:
    raise RAISED[name]


@routes.route("/crash", methods=["GET"])
def crash() -> None:
    raise RuntimeError("a bug")


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    app = Chalice(app_name="http-errors")
    app.register_blueprint(routes)
    with Client(app) as client:
        yield client


def post(client: Client, body: bytes, content_type: str = "application/json") -> Any:
    return client.http.post("/echo", headers={"Content-Type": content_type}, body=body)


def test_a_json_object_passes_through(client: Client) -> None:
    response = post(client, b'{"title": "Alien", "privacy_policy": "on"}')

    assert response.status_code == 200
    assert response.json_body == {"title": "Alien", "privacy_policy": "on"}


@pytest.mark.parametrize("name, status", [
    ("not-found", 404), ("conflict", 409), ("throttled", 429), ("forbidden", 403),
])
def test_domain_errors_map_to_their_status(client: Client, name: str, status: int) -> None:
    response = client.http.get(f"/fail/{name}")

    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/json"
    assert response.json_body["Code"] == RAISED[name].code
    assert response.json_body["Message"] == RAISED[name].message


def test_error_details_travel_with_the_error(client: Client) -> None:
    assert client.http.get("/fail/conflict").json_body["active_sessions"] == ["s1"]


def test_throttling_says_when_to_retry(client: Client) -> None:
    response = client.http.get("/fail/throttled")

    assert response.headers["Retry-After"] == "30"
    assert response.json_body["retry_after"] == 30


@pytest.mark.parametrize("body", [b"{not json", b'{"a": 1', b"\xff\xfe"])
def test_malformed_json_is_a_400(client: Client, body: bytes) -> None:
    response = post(client, body)

    assert response.status_code == 400
    assert response.json_body["Code"] == "InvalidInput"


def test_a_json_array_is_not_an_object(client: Client) -> None:
    response = post(client, b"[1, 2]")

    assert response.status_code == 400
    assert "JSON object" in response.json_body["Message"]


def test_an_oversized_body_is_a_413(client: Client) -> None:
    response = post(client, json.dumps({"blob": "x" * (1024 * 1024)}).encode())

    assert response.status_code == 413
    assert response.json_body["Code"] == "PayloadTooLarge"


def test_a_wrong_content_type_is_a_415_in_json(client: Client) -> None:
    response = post(client, b"title=Alien", content_type="application/x-www-form-urlencoded")

    assert response.status_code == 415
    assert set(response.json_body) == {"Code", "Message"}


def test_a_wrong_method_is_a_405_in_json(client: Client) -> None:
    response = client.http.get("/echo")

    assert response.status_code == 405
    assert set(response.json_body) == {"Code", "Message"}


def test_a_bug_is_a_500_that_tells_nothing_inside(client: Client) -> None:
    response = client.http.get("/crash")

    assert response.status_code == 500
    assert response.json_body == {"Code": "InternalError", "Message": "An internal error occurred."}
