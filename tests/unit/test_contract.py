"""The typed edge: a route's declared body and query arrive as frozen models, every bad
field is named in one 400, and a declared caller is required before any input is read."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

import pytest
from chalice.app import Chalice
from chalice.test import Client
from msgspec import Meta

from chalicelib.auth.access import Access
from chalicelib.auth.principal import Principal
from chalicelib.core.contract import LenientModel, Model, decode
from chalicelib.core.errors import InvalidFields
from chalicelib.core.http import ApiBlueprint
from chalicelib.core.validation import PlainText

routes = ApiBlueprint(__name__)


class Title(Model, frozen=True):
    title: Annotated[str, Meta(max_length=20)]
    year: Annotated[int, Meta(ge=1888, le=2100)] | None = None
    tagline: PlainText | None = None


class Page(Model, frozen=True):
    limit: Annotated[int, Meta(ge=1, le=100)] = 20


class SignUpForm(LenientModel, frozen=True):
    email: str


@routes.route("/titles", methods=["POST"], auth=Access.PUBLIC, body=Title, response=Title,
              status=201)
def create_title(body: Title) -> Title:
    return body


@routes.route("/titles", methods=["GET"], auth=Access.PUBLIC, query=Page, response=Page)
def list_titles(query: Page) -> Page:
    return query


@routes.route("/titles/{title_id}", methods=["DELETE"], auth=Access.USER, body=Title,
              status=204)
def delete_title(title_id: str, caller: Principal, body: Title) -> None:
    raise AssertionError("an anonymous caller never gets here")


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    app = Chalice(app_name="contract")
    app.register_blueprint(routes)
    with Client(app) as client:
        yield client


def post(client: Client, body: bytes) -> object:
    return client.http.post("/titles", headers={"Content-Type": "application/json"},
                            body=body)


def test_a_valid_body_arrives_as_its_model_trimmed_by_its_checks(client: Client) -> None:
    answer = post(client, b'{"title": "Alien", "year": 1979, "tagline": "  In space.  "}')

    assert answer.status_code == 201  # type: ignore[attr-defined]
    assert answer.json_body == {  # type: ignore[attr-defined]
        "title": "Alien", "year": 1979, "tagline": "In space."}


def test_every_bad_field_is_named_in_one_400(client: Client) -> None:
    answer = post(client, b'{"year": "1979", "tagline": "a\\u0000b", "rating": 5}')
    body = answer.json_body  # type: ignore[attr-defined]

    assert answer.status_code == 400  # type: ignore[attr-defined]
    assert body["Code"] == "InvalidInput" and body["field"] == "title"
    assert set(body["fields"]) == {"title", "year", "tagline", "rating"}
    assert body["fields"]["rating"] == "is not a known field"
    assert "\x00" not in body["Message"]


def test_a_query_reads_ascii_digits_only(client: Client) -> None:
    assert client.http.get("/titles?limit=7").json_body == {"limit": 7}
    assert client.http.get("/titles").json_body == {"limit": 20}
    for limit in ("1e3", "\u00b2", "\u0661\u0660", "+5", "0"):
        answer = client.http.get(f"/titles?limit={limit}")
        assert (answer.status_code, answer.json_body["field"]) == (400, "limit"), limit


def test_a_declared_caller_is_required_before_the_body_is_read(client: Client) -> None:
    answer = client.http.delete("/titles/t1", headers={"Content-Type": "application/json"},
                                body=b"{not json")

    assert answer.status_code == 401


def test_lenient_models_ignore_what_they_do_not_read() -> None:
    assert decode(SignUpForm, {"email": "a@example.com", "privacy": "on"}).email \
        == "a@example.com"
    with pytest.raises(InvalidFields) as refused:
        decode(SignUpForm, {"privacy": "on"})
    assert refused.value.details["fields"] == {"email": "is required"}


def test_models_are_frozen() -> None:
    title = decode(Title, {"title": "Alien"})
    with pytest.raises(AttributeError):
        title.title = "Aliens"  # type: ignore[misc]
