"""Hostile input at the edge is a clear 4xx, and a store that is down is a 503: never a 500.

Request bodies (depth, NaN and Infinity, a Content-Length in other digits) and the mapping
of botocore/PynamoDB outages, through a small app in chalice's test client.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)
from chalice.app import Chalice
from chalice.test import Client
from pynamodb.exceptions import (
    CancellationReason,
    GetError,
    PutError,
    QueryError,
    TransactWriteError,
    VerboseClientError,
)

from chalicelib.core.http import MAX_JSON_DEPTH, ApiBlueprint, json_body, nests_deeper

routes = ApiBlueprint(__name__)
DYNAMODB = "https://dynamodb.us-east-1.amazonaws.com"


def client_error(code: str, operation: str = "Query") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "..."}}, operation)


def throttled_transaction() -> TransactWriteError:
    """What PynamoDB raises when one item of a transaction was throttled."""
    error = VerboseClientError(
        {"Error": {"Code": "TransactionCanceledException", "Message": "..."}},
        "TransactWriteItems",
        cancellation_reasons=[None, CancellationReason(code="ThrottlingError")])
    return TransactWriteError("Failed to write transaction items", error)


OUTAGES: dict[str, Exception] = {
    "connect-timeout": ConnectTimeoutError(endpoint_url=DYNAMODB),
    "read-timeout": ReadTimeoutError(endpoint_url=DYNAMODB),
    "no-endpoint": EndpointConnectionError(endpoint_url="http://127.0.0.1:9"),
    "connection-closed": ConnectionClosedError(endpoint_url=DYNAMODB),
    "pynamodb-timeout": GetError("Failed to get item", ReadTimeoutError(endpoint_url=DYNAMODB)),
    "pynamodb-no-endpoint": QueryError("Failed to query",
                                       EndpointConnectionError(endpoint_url=DYNAMODB)),
    "provisioned": PutError("Failed to put item",
                            client_error("ProvisionedThroughputExceededException", "PutItem")),
    "throttling": client_error("ThrottlingException"),
    "request-limit": QueryError("Failed to query", client_error("RequestLimitExceeded")),
    "throttled-transaction": throttled_transaction(),
}
BUGS: dict[str, Exception] = {
    "condition": PutError("Failed to put item",
                          client_error("ConditionalCheckFailedException", "PutItem")),
    "validation": client_error("ValidationException"),
    "cancelled": TransactWriteError("Failed to write transaction items", VerboseClientError(
        {"Error": {"Code": "TransactionCanceledException", "Message": "..."}},
        "TransactWriteItems",
        cancellation_reasons=[CancellationReason(code="ConditionalCheckFailed")])),
    "plain": RuntimeError("a bug"),
}


@routes.route("/echo", methods=["POST"])
def echo() -> dict[str, Any]:
    return json_body(routes.current_request)


@routes.route("/outage/{name}", methods=["GET"])
def outage(name: str) -> None:
    raise OUTAGES[name]


@routes.route("/bug/{name}", methods=["GET"])
def bug(name: str) -> None:
    raise BUGS[name]


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    app = Chalice(app_name="edge-input")
    app.register_blueprint(routes)
    with Client(app) as client:
        yield client


def post(client: Client, body: bytes, **headers: str) -> Any:
    return client.http.post("/echo", headers={"Content-Type": "application/json", **headers},
                            body=body)


# -- item 9: depth -----------------------------------------------------------------------


@pytest.mark.parametrize("depth", [1000, 100_000, MAX_JSON_DEPTH])
@pytest.mark.parametrize("opening, closing", [(b"[", b"]"), (b'{"a":', b"}")])
def test_json_nested_too_deep_is_a_400(client: Client, opening: bytes, closing: bytes,
                                       depth: int) -> None:
    """A thousand levels overflow json.loads' recursion; 32 parse, then count as too deep
    (the body object is one level more)."""
    body = b'{"a":' + opening * depth + b"1" + closing * depth + b"}"

    response = post(client, body)

    assert response.status_code == 400
    assert response.json_body["Code"] == "InvalidInput"
    assert "deeper than" in response.json_body["Message"]


def test_json_as_deep_as_the_limit_passes(client: Client) -> None:
    body = json.loads("[" * (MAX_JSON_DEPTH - 1) + "]" * (MAX_JSON_DEPTH - 1))

    response = post(client, json.dumps({"a": body}).encode())

    assert response.status_code == 200
    assert response.json_body == {"a": body}


def test_brackets_inside_strings_are_text_not_depth(client: Client) -> None:
    text = '[[[{"' * 200 + '\\"]]' + "\\\\"

    assert post(client, json.dumps({"note": text}).encode()).json_body == {"note": text}


@pytest.mark.parametrize("value, levels, deeper", [
    ({}, 1, False), ({"a": []}, 1, True), ({"a": [1, {"b": "[[["}]}, 3, False),
    ({"a": [1, {"b": [[]]}]}, 3, True), ("text", 0, False),
])
def test_nesting_counts_arrays_and_objects_only(value: object, levels: int,
                                                deeper: bool) -> None:
    assert nests_deeper(value, levels) is deeper


# -- item 11 (edge part): NaN, Infinity, overflow ------------------------------------------


@pytest.mark.parametrize("number", [b"NaN", b"Infinity", b"-Infinity", b"1e400", b"-1e400",
                                    b"9" * 5000])
def test_numbers_json_does_not_have_are_a_400(client: Client, number: bytes) -> None:
    response = post(client, b'{"position": ' + number + b"}")

    assert response.status_code == 400
    assert response.json_body["Code"] == "InvalidInput"


def test_ordinary_floats_still_pass(client: Client) -> None:
    assert post(client, b'{"position": 12.5, "tiny": 1e-400}').json_body == {
        "position": 12.5, "tiny": 0.0}


# -- item 10: a Content-Length in other digits ---------------------------------------------


@pytest.mark.parametrize("declared", ["\u00b2", "\u0661\u0660", "\u0969"])
def test_a_content_length_in_other_digits_is_ignored_not_a_500(client: Client,
                                                               declared: str) -> None:
    response = post(client, b'{"title": "Alien"}', **{"Content-Length": declared})

    assert response.status_code == 200
    assert response.json_body == {"title": "Alien"}


# -- item 13: outages ----------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(OUTAGES))
def test_a_store_that_times_out_or_throttles_is_a_503_with_retry_after(
    client: Client, name: str
) -> None:
    response = client.http.get(f"/outage/{name}")

    assert response.status_code == 503
    assert response.json_body["Code"] == "DependencyUnavailable"
    assert int(response.headers["Retry-After"]) >= 1
    assert DYNAMODB not in response.json_body["Message"]


@pytest.mark.parametrize("name", sorted(BUGS))
def test_other_aws_errors_stay_500s_that_tell_nothing(client: Client, name: str) -> None:
    response = client.http.get(f"/bug/{name}")

    assert response.status_code == 500
    assert response.json_body == {"Code": "InternalError", "Message": "An internal error occurred."}
