"""The Videoflix contract as its frontends use it: integer ids they write into click
handlers unquoted (`onclick="showVideo(${video.id})"`), every path taking such an id, and
list filters that combine the same way alone or together."""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from chalice.test import Client

from chalicelib.catalog import movies, service
from chalicelib.catalog.models import ListingModel, MovieModel
from chalicelib.core import envvars
from chalicelib.core.clients import aws_client
from chalicelib.core.settings import Settings, reload_settings
from devstack.deploy import delete_stack, deploy_stack
from devstack.emulator import Emulator
from tests.support.api import Browser
from tests.support.aws_calls import counting_dynamodb_calls
from tests.support.catalog import make_movie, token_headers
from tests.support.factories import make_account, make_admin
from tests.support.hls import make_playable_movie
from tests.support.playback import make_device
from tests.support.spa import Spa

SPA = "http://127.0.0.1:5500"


@pytest.fixture(autouse=True)
def spa_origin(monkeypatch: pytest.MonkeyPatch, stack: Settings) -> Iterator[Settings]:
    monkeypatch.setenv(envvars.CORS_ORIGINS, SPA)
    yield reload_settings()
    monkeypatch.undo()
    reload_settings()


@pytest.fixture
def page(api: Client) -> Spa:
    """A Videoflix page, signed in by cookie."""
    account, spa = make_account(), Spa(Browser(api, origin=SPA))
    spa.fetch("POST", "/api/login/", {"email": account.email, "password": account.password})
    return spa


def _cards(page: Spa, query: str = "") -> list[dict[str, Any]]:
    response = page.fetch("GET", f"/api/video/{query}")
    assert response.status_code == 200, response.json_body
    return list(response.json_body)


def _card_of(page: Spa, movie_id: str) -> dict[str, Any]:
    [card] = [c for c in _cards(page) if c["movie_id"] == movie_id]
    return card


# ---------------------------------------------------------------- integer ids
def test_list_ids_are_integers_a_click_handler_can_hold(page: Spa) -> None:
    made = [make_playable_movie(f"Reel {n}").movie_id for n in range(3)]

    cards = [_card_of(page, movie_id) for movie_id in made]

    ids = [card["id"] for card in cards]
    assert all(type(i) is int and i > 0 for i in ids), ids
    assert len(set(ids)) == len(ids)
    for card in cards:  # the handler as a Videoflix page writes it, then parses it
        handler = f"showVideo({json.dumps(card['id'])})"
        assert handler[len("showVideo("):-1].isdigit(), handler


def test_every_videoflix_path_takes_the_integer_and_still_the_hex_id(page: Spa) -> None:
    movie = make_playable_movie("Both Ways")
    number = _card_of(page, movie.movie_id)["id"]

    for ref in (number, movie.movie_id):
        detail = page.fetch("GET", f"/api/video/{ref}/")
        assert detail.status_code == 200, (ref, detail.json_body)
        assert (detail.json_body["id"], detail.json_body["movie_id"]) == (number, movie.movie_id)
        for path in (f"/api/video/{ref}/480p/index.m3u8",
                     f"/api/video/{ref}/480p/index.m3u8/",
                     f"/api/video/{ref}/480p/media.m3u8",
                     f"/api/video/{ref}/480p/segment_000.ts/",
                     f"/api/video/{ref}/480p/index.m3u8/segment_001.ts"):
            assert page.play(path).status_code == 200, (ref, path)
        assert page.play(f"/api/video/{ref}/images/thumbnail/").status_code == 200


def test_paths_of_the_api_take_the_integer_too(browser: Browser) -> None:
    movie = make_playable_movie("Numbered Everywhere")
    viewer = token_headers(browser, make_account())
    number = movies.detail_shape(movie).id

    added = browser.request("PUT", f"/api/watchlist/{number}/", {}, headers=viewer)
    assert added.status_code == 200 and added.json_body["movie_id"] == movie.movie_id
    listed = browser.get("/api/watchlist/", headers=viewer).json_body
    assert [(m["id"], m["movie_id"]) for m in listed] == [(number, movie.movie_id)]
    reviewed = browser.post(f"/api/video/{number}/reviews/", {"rating": 4}, headers=viewer)
    assert reviewed.status_code == 201 and reviewed.json_body["movie_id"] == movie.movie_id
    assert browser.request("PUT", f"/api/video/{number}/reviews/mine/", {"rating": 2},
                           headers=viewer).status_code == 200
    [review] = browser.get(f"/api/video/{movie.movie_id}/reviews/", headers=viewer).json_body
    assert review["rating"] == 2
    assert browser.delete(f"/api/video/{number}/reviews/mine/",
                          headers=viewer).status_code == 204
    assert browser.delete(f"/api/watchlist/{number}/", headers=viewer).status_code == 204
    assert browser.get("/api/watchlist/", headers=viewer).json_body == []

    admin = token_headers(browser, make_admin())
    edited = browser.request("PATCH", f"/api/admin/videos/{number}/", {"title": "Renamed"},
                             headers=admin)
    assert edited.status_code == 200 and edited.json_body["title"] == "Renamed"
    assert browser.delete(f"/api/admin/videos/{number}/", headers=admin).status_code == 204
    assert browser.get(f"/api/video/{movie.movie_id}/", headers=viewer).status_code == 404


@pytest.mark.parametrize("as_json", [str, int], ids=["string", "integer"])
def test_playback_starts_from_the_integer(browser: Browser, as_json: type) -> None:
    movie = make_playable_movie("Started By Number")
    account = make_account()
    make_device(account.user_id, "tv")
    number = movies.detail_shape(movie).id

    started = browser.post("/api/playback/start/",
                           {"movie_id": as_json(number), "device_id": "tv"},
                           headers=token_headers(browser, account))

    assert started.status_code == 201, started.json_body
    [active] = browser.get("/api/playback/active/",
                           headers=token_headers(browser, account)).json_body
    assert active["movie_id"] == movie.movie_id


def _calls_for(page: Spa, path: str) -> Counter[str]:
    with counting_dynamodb_calls() as calls:
        assert page.play(path).status_code == 200, path
    return calls


def test_an_integer_id_costs_the_one_read_a_hex_id_costs(page: Spa) -> None:
    movie = make_playable_movie("Counted")
    number = _card_of(page, movie.movie_id)["id"]
    page.play(f"/api/video/{number}/480p/index.m3u8")  # the browser's watch session exists

    for path in ("/api/video/{}/", "/api/video/{}/480p/index.m3u8",
                 "/api/video/{}/480p/segment_000.ts/"):
        by_hex = _calls_for(page, path.format(movie.movie_id))
        by_number = _calls_for(page, path.format(number))
        # One Query of the number index instead of the GetItem of the key, nothing more.
        assert by_number - by_hex == Counter({"Query": 1}), (path, by_hex, by_number)
        assert by_hex - by_number == Counter({"GetItem": 1}), (path, by_hex, by_number)


@pytest.mark.parametrize("ref", ["0", "007", "99999", "1e3", "-1", "12345678901234567890",
                                 "counter%23movie-number"])
def test_ids_that_name_no_movie_are_404(page: Spa, ref: str) -> None:
    make_movie("Only One")

    response = page.fetch("GET", f"/api/video/{ref}/")

    assert response.status_code == 404 and response.json_body["Code"] == "NotFound"


def test_a_deleted_movies_number_is_never_given_again(page: Spa) -> None:
    first = make_movie("Gone Soon")
    number = int(first.number)
    service.delete_movie(first.movie_id)

    later = [make_movie(f"After {n}") for n in range(3)]

    assert all(int(m.number) > number for m in later)
    assert page.fetch("GET", f"/api/video/{number}/").status_code == 404
    assert sorted(c["id"] for c in _cards(page)) == sorted(int(m.number) for m in later)


def test_movies_made_at_once_get_distinct_numbers(stack: Settings) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        made = list(pool.map(lambda n: make_movie(f"Rush {n}"), range(16)))

    numbers = [int(m.number) for m in made]
    assert len(set(numbers)) == 16
    assert sorted(int(MovieModel.get(m.movie_id).number) for m in made) == sorted(numbers)


def _as_made_before_numbers(movie: MovieModel) -> None:
    """Strip the number from a movie and its cards, as they were stored before numbers."""
    MovieModel(movie.movie_id).update(actions=[MovieModel.number.remove()])
    for facet in movie.facets:
        ListingModel(facet, movie.movie_id).update(
            actions=[ListingModel.number.remove(), ListingModel.category_slug.remove()])


def test_a_movie_made_before_numbers_gets_one_when_first_shown(page: Spa) -> None:
    old, new = make_movie("From Before"), make_movie("From After")
    _as_made_before_numbers(old)

    number = _card_of(page, old.movie_id)["id"]

    assert type(number) is int and number > int(new.number)
    assert _card_of(page, old.movie_id)["id"] == number  # kept, not numbered again
    assert int(MovieModel.get(old.movie_id).number) == number
    assert {c.number for c in ListingModel.query("all")} == {number, new.number}
    assert page.fetch("GET", f"/api/video/{number}/").json_body["movie_id"] == old.movie_id


def _indexes(table: str) -> set[str]:
    described = aws_client("dynamodb").describe_table(TableName=table)["Table"]
    return {index["IndexName"] for index in described.get("GlobalSecondaryIndexes", [])}


def _index_gone(table: str, index: str, bound_seconds: float = 120) -> bool:
    """moto drops an index at once; LocalStack (like DynamoDB) only after DELETING."""
    deadline = time.monotonic() + bound_seconds
    while index in _indexes(table):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def test_a_stack_deployed_before_numbers_gains_the_number_index(
    deployed_stack: Settings, emulator: Emulator
) -> None:
    settings = Settings.from_env({"REELSTACK_PREFIX": f"rs-{uuid.uuid4().hex[:8]}",
                                  "AWS_ENDPOINT_URL": emulator.endpoint})
    deploy_stack(settings)
    try:
        aws_client("dynamodb").update_table(  # the movies table as it was made before
            TableName=settings.tables.movies,
            GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "number-index"}}])
        assert _index_gone(settings.tables.movies, "number-index")

        deploy_stack(settings)  # what `make run` does on an emulator that kept the stack

        assert _indexes(settings.tables.movies) == {"number-index"}
    finally:
        delete_stack(settings)


# ---------------------------------------------------------------- filters combine
@pytest.fixture
def shelf(stack: Settings) -> None:
    make_movie("The Matrix", category="Action")
    make_movie("Making The Matrix", category="Documentary")
    make_movie("Die Hard", category="Action")
    make_movie("Matrix Of Stars", category="Science Fiction")


@pytest.mark.parametrize("query, expected", [
    ("search=matrix", ["Making The Matrix", "Matrix Of Stars", "The Matrix"]),
    ("category=action", ["Die Hard", "The Matrix"]),
    ("category=Action", ["Die Hard", "The Matrix"]),
    ("category=ACTION", ["Die Hard", "The Matrix"]),
    ("search=matrix&category=action", ["The Matrix"]),
    ("search=matrix&category=Action", ["The Matrix"]),
    ("search=MATRIX&category=aCtIoN", ["The Matrix"]),
    ("search=Matrix&category=documentary", ["Making The Matrix"]),
    ("search=matrix&category=science%20fiction", ["Matrix Of Stars"]),
    ("search=matrix&category=Science-Fiction", ["Matrix Of Stars"]),
    ("category=science%20FICTION", ["Matrix Of Stars"]),
    ("search=matrix&category=comedy", []),
    ("search=hard&category=documentary", []),
])
def test_search_and_category_combine_as_they_filter_alone(
    page: Spa, shelf: None, query: str, expected: list[str]
) -> None:
    assert sorted(str(card["title"]) for card in _cards(page, f"?{query}")) == expected
