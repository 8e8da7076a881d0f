"""Reviews (one per user, exact totals under concurrency) and the watchlist."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse

import pytest

from chalicelib.auth import service as auth
from chalicelib.catalog import reviews
from chalicelib.catalog.inputs import NewReview, ReviewEdit
from chalicelib.catalog.models import MovieModel, WatchlistModel
from chalicelib.core.settings import Settings
from tests.support.api import Browser
from tests.support.catalog import make_movie, token_headers
from tests.support.factories import make_account


def test_one_review_per_user_with_edit_and_delete(browser: Browser, viewer: dict[str, str]) -> None:
    movie = make_movie("Reviewed")
    path = f"/api/video/{movie.movie_id}/reviews/"

    first = browser.post(path, {"rating": 4, "text": "Tense."}, headers=viewer)
    assert first.status_code == 201
    assert first.json_body["rating"] == 4
    assert browser.post(path, {"rating": 5}, headers=viewer).status_code == 409
    edited = browser.request("PUT", f"{path}mine/", {"rating": 2}, headers=viewer)
    assert edited.json_body["rating"] == 2 and edited.json_body["text"] == "Tense."
    card = browser.get(f"/api/video/{movie.movie_id}/", headers=viewer).json_body
    assert (card["rating"], card["rating_count"]) == (2.0, 1)

    assert browser.delete(f"{path}mine/", headers=viewer).status_code == 204
    assert browser.delete(f"{path}mine/", headers=viewer).status_code == 404
    card = browser.get(f"/api/video/{movie.movie_id}/", headers=viewer).json_body
    assert (card["rating"], card["rating_count"]) == (0.0, 0)


@pytest.mark.parametrize("body", [{}, {"rating": 0}, {"rating": 6}, {"rating": "5"},
                                  {"rating": 3.5}, {"rating": 3, "text": 12}])
def test_bad_reviews_are_400(browser: Browser, viewer: dict[str, str], body: dict[str, object]
                             ) -> None:
    movie = make_movie()

    response = browser.post(f"/api/video/{movie.movie_id}/reviews/", body, headers=viewer)

    assert response.status_code == 400


def test_only_ready_movies_take_reviews(browser: Browser, viewer: dict[str, str]) -> None:
    draft = make_movie(status="draft")

    assert browser.post(f"/api/video/{draft.movie_id}/reviews/", {"rating": 3},
                        headers=viewer).status_code == 404
    assert browser.post("/api/video/nope/reviews/", {"rating": 3},
                        headers=viewer).status_code == 404


def test_totals_stay_exact_under_concurrent_reviews(stack: Settings) -> None:
    movie = make_movie("Popular")
    people = [make_account() for _ in range(12)]

    def review(n: int) -> None:
        reviews.add_review(movie.movie_id, people[n].user_id, NewReview(rating=n % 5 + 1))

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(review, range(12)))
    with ThreadPoolExecutor(max_workers=6) as pool:  # and everyone changes their mind
        list(pool.map(lambda n: reviews.update_review(
            movie.movie_id, people[n].user_id, ReviewEdit(rating=5)), range(6)))

    stored = MovieModel.get(movie.movie_id)
    expected = sum(5 if n < 6 else n % 5 + 1 for n in range(12))
    assert (stored.rating_count, stored.rating_sum) == (12, expected)


def test_reviews_are_paginated_newest_first(browser: Browser, viewer: dict[str, str]) -> None:
    movie = make_movie()
    for _ in range(3):
        person = make_account()
        reviews.add_review(movie.movie_id, person.user_id, NewReview(rating=3))

    page = browser.get(f"/api/video/{movie.movie_id}/reviews/?limit=2", headers=viewer)
    next_url = urlparse(page.headers["Link"].split(";")[0].strip("<>"))
    rest = browser.get(f"{next_url.path}?{next_url.query}", headers=viewer)

    assert len(page.json_body) == 2 and len(rest.json_body) == 1
    stamps = [r["created_at"] for r in page.json_body + rest.json_body]
    assert stamps == sorted(stamps, reverse=True)


def test_the_watchlist_is_idempotent_and_newest_first(
    browser: Browser, viewer: dict[str, str]
) -> None:
    first, second = make_movie("First"), make_movie("Second")

    added = browser.request("PUT", f"/api/watchlist/{first.movie_id}/", headers=viewer)
    again = browser.request("PUT", f"/api/watchlist/{first.movie_id}/", headers=viewer)
    browser.request("PUT", f"/api/watchlist/{second.movie_id}/", headers=viewer)

    assert added.status_code == again.status_code == 200
    assert added.json_body["added_at"] == again.json_body["added_at"]
    listed = browser.get("/api/watchlist/", headers=viewer).json_body
    assert [m["title"] for m in listed] == ["Second", "First"]
    assert browser.delete(f"/api/watchlist/{first.movie_id}/", headers=viewer).status_code == 204
    assert browser.delete(f"/api/watchlist/{first.movie_id}/", headers=viewer).status_code == 204
    assert [m["title"] for m in browser.get("/api/watchlist/", headers=viewer).json_body] == [
        "Second"]
    assert browser.request("PUT", "/api/watchlist/nope/", headers=viewer).status_code == 404


def test_deleting_an_account_removes_its_reviews_and_watchlist(
    browser: Browser, stack: Settings
) -> None:
    movie = make_movie("Remembered")
    person, other = make_account(), make_account()
    reviews.add_review(movie.movie_id, person.user_id, NewReview(rating=1))
    reviews.add_review(movie.movie_id, other.user_id, NewReview(rating=5))
    headers = token_headers(browser, person)
    browser.request("PUT", f"/api/watchlist/{movie.movie_id}/", headers=headers)

    auth.delete_account(person.user_id, person.password)

    stored = MovieModel.get(movie.movie_id)
    assert (stored.rating_count, stored.rating_sum) == (1, 5)
    assert list(WatchlistModel.query(person.user_id)) == []
