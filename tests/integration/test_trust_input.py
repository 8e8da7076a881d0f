"""A hostile client gets a clear 4xx, and a store that is down a 503: never a 500.

The app in-process on the emulator's stack, asked what issue 15's hostile-client run
asked: JSON nested a thousand deep, numbers in other scripts' digits, control characters
in text, and DynamoDB not answering.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.catalog.models import ListingModel
from chalicelib.core.settings import Settings
from tests.support.api import Browser
from tests.support.catalog import make_genre, make_movie
from tests.support.network import free_port

SUPERSCRIPT_TWO = "\u00b2"
ARABIC_TEN = "\u0661\u0660"


def assert_invalid(response: object, field: str | None = None) -> None:
    status, body = response.status_code, response.json_body  # type: ignore[attr-defined]
    assert (status, body["Code"]) == (400, "InvalidInput"), body
    if field:
        assert body["field"] == field


# -- item 9 --------------------------------------------------------------------------------


def test_json_nested_a_thousand_deep_is_a_400_on_every_post(
    browser: Browser, admin: dict[str, str]
) -> None:
    deep = b'{"email": ' + b"[" * 1000 + b"]" * 1000 + b"}"
    assert len(deep) < 2100

    for path, headers in [("/api/register/", {}), ("/api/admin/videos/", admin),
                          ("/api/requests/", admin)]:
        assert_invalid(browser.post(path, deep, headers=headers))


# -- item 10 -------------------------------------------------------------------------------


@pytest.mark.parametrize("limit", [SUPERSCRIPT_TWO, ARABIC_TEN])
def test_a_page_limit_in_other_digits_is_a_400(
    browser: Browser, viewer: dict[str, str], limit: str
) -> None:
    make_movie("Alien")

    assert_invalid(browser.get(f"/api/video/?limit={limit}", headers=viewer), "limit")
    assert_invalid(browser.get(f"/api/requests/?limit={limit}", headers=viewer), "limit")


@pytest.mark.parametrize("tmdb_id", [SUPERSCRIPT_TWO, ARABIC_TEN])
def test_a_tmdb_id_in_other_digits_is_a_400(
    browser: Browser, admin: dict[str, str], tmdb_id: str
) -> None:
    assert_invalid(browser.post("/api/admin/videos/import/", {"tmdb_id": tmdb_id},
                                headers=admin), "tmdb_id")
    assert_invalid(browser.post("/api/requests/", {"tmdb_id": tmdb_id}, headers=admin),
                   "tmdb_id")


# -- item 14 -------------------------------------------------------------------------------


@pytest.mark.parametrize("title", ["Alien\x00", "\x1b[2JAlien", "Alien\x85", "Alien\nII"])
def test_a_title_with_a_control_character_is_a_400_and_stores_nothing(
    browser: Browser, admin: dict[str, str], viewer: dict[str, str], title: str
) -> None:
    assert_invalid(browser.post("/api/admin/videos/", {"title": title}, headers=admin),
                   "title")
    assert_invalid(browser.post("/api/requests/", {"title": title}, headers=viewer), "title")
    assert browser.get("/api/video/?status=all", headers=admin).json_body == []


def test_a_description_keeps_its_paragraphs_but_no_other_control(
    browser: Browser, admin: dict[str, str]
) -> None:
    genre = make_genre("Horror")
    created = browser.post("/api/admin/videos/", {
        "title": "Alien", "description": "In space.\n\nNo one hears.", "genres": [genre.term_id],
    }, headers=admin)
    assert created.status_code == 201, created.json_body

    refused = browser.post("/api/admin/videos/", {
        "title": "Aliens", "description": "More\x07.", "genres": [genre.term_id],
    }, headers=admin)
    assert_invalid(refused, "description")


# -- item 13 -------------------------------------------------------------------------------


@pytest.fixture
def listing_table_unreachable(stack: Settings) -> Iterator[None]:
    """The catalog's listing table behind a closed port, tried once: refused at once."""
    meta: Any = ListingModel.Meta  # host and retries are set by chalicelib.core.dynamo
    kept = meta.host, meta.max_retry_attempts
    meta.host, meta.max_retry_attempts = f"http://127.0.0.1:{free_port()}", 0
    ListingModel._connection = None
    yield
    meta.host, meta.max_retry_attempts = kept
    ListingModel._connection = None


def test_dynamodb_not_answering_is_a_503_with_retry_after(
    browser: Browser, viewer: dict[str, str], listing_table_unreachable: None
) -> None:
    response = browser.get("/api/video/", headers=viewer)

    assert response.status_code == 503, response.json_body
    assert response.json_body["Code"] == "DependencyUnavailable"
    assert int(response.headers["Retry-After"]) >= 1
    assert "127.0.0.1" not in response.json_body["Message"]
