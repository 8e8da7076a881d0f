"""Admin: movies and the terms they use; a deleted movie leaves nothing behind."""

from __future__ import annotations

import pytest

from chalicelib.catalog.models import ListingModel, MovieModel, ReviewModel, WatchlistModel
from chalicelib.core.clients import aws_client
from chalicelib.core.settings import Settings
from tests.support.api import Browser
from tests.support.catalog import make_genre, make_movie


def test_an_admin_creates_a_movie(browser: Browser, admin: dict[str, str]) -> None:
    genre = make_genre("Thriller")

    created = browser.post("/api/admin/videos/", {
        "title": "Heat", "description": "LA, 1995.", "genres": [genre.term_id],
        "release_year": 1995, "duration": 10200, "unknown_field": "ignored",
    }, headers=admin)

    assert created.status_code == 201
    assert created.json_body["id"]
    assert created.json_body["status"] == "draft"
    assert created.json_body["category"] == "Thriller"  # the first genre when none is given


@pytest.mark.parametrize("body, field", [
    ({}, "title"),
    ({"title": ""}, "title"),
    ({"title": 7}, "title"),
    ({"title": "X", "genres": ["no-such-genre"]}, "genre"),
    ({"title": "X", "genres": "drama"}, "genres"),
    ({"title": "X", "release_year": 1500}, "release_year"),
    ({"title": "X", "duration": "90 minutes"}, "duration"),
    ({"title": "X", "content_type": "podcast"}, "content_type"),
    ({"title": "X", "maturity_rating": "XXX"}, "rating"),
    ({"title": "X", "cast": [{"name": "nobody"}]}, "cast"),
    ({"title": "X", "poster_url": "ftp://x/y.png"}, "poster_url"),
])
def test_bad_movies_are_400_naming_the_field(
    browser: Browser, admin: dict[str, str], body: dict[str, object], field: str
) -> None:
    response = browser.post("/api/admin/videos/", body, headers=admin)

    assert response.status_code == 400
    assert response.json_body["field"] == field


def test_viewers_cannot_administer(browser: Browser, viewer: dict[str, str]) -> None:
    movie = make_movie("Mine")

    assert browser.post("/api/admin/videos/", {"title": "X"}, headers=viewer).status_code == 403
    assert browser.request("PATCH", f"/api/admin/videos/{movie.movie_id}/", {"title": "Y"},
                           headers=viewer).status_code == 403
    assert browser.delete(f"/api/admin/videos/{movie.movie_id}/",
                          headers=viewer).status_code == 403
    assert browser.post("/api/admin/genres/", {"name": "Noir"}, headers=viewer).status_code == 403
    assert browser.post("/api/admin/videos/", {"title": "X"}).status_code == 401


def test_an_edit_is_searchable_at_once(
    browser: Browser, admin: dict[str, str], viewer: dict[str, str]
) -> None:
    movie = make_movie("Working Title")

    edited = browser.request("PATCH", f"/api/admin/videos/{movie.movie_id}/",
                             {"title": "Final Title", "status": "ready"}, headers=admin)

    assert edited.status_code == 200
    assert edited.json_body["title"] == "Final Title"
    found = browser.get("/api/video/?search=final", headers=viewer).json_body
    assert [card["movie_id"] for card in found] == [movie.movie_id]
    assert browser.get("/api/video/?search=working", headers=viewer).json_body == []
    missing = browser.request("PATCH", "/api/admin/videos/nope/", {"title": "Z"}, headers=admin)
    assert missing.status_code == 404


def test_deleting_a_movie_leaves_nothing_behind(
    browser: Browser, admin: dict[str, str], viewer: dict[str, str], stack: Settings
) -> None:
    movie = make_movie("Doomed", genres=[make_genre("Disaster").term_id])
    s3 = aws_client("s3")
    keys = {stack.buckets.uploads: f"videos/{movie.movie_id}/source.mp4",
            stack.buckets.media: f"videos/{movie.movie_id}/v1/720p/index.m3u8"}
    for bucket, key in keys.items():
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    browser.post(f"/api/video/{movie.movie_id}/reviews/", {"rating": 4}, headers=viewer)
    browser.request("PUT", f"/api/watchlist/{movie.movie_id}/", headers=viewer)

    assert browser.delete(f"/api/admin/videos/{movie.movie_id}/", headers=admin).status_code == 204

    for bucket in keys:
        listed = s3.list_objects_v2(Bucket=bucket, Prefix=f"videos/{movie.movie_id}/")
        assert listed.get("KeyCount", 0) == 0
    assert s3.list_objects_v2(Bucket=stack.buckets.media,
                              Prefix=f"videos/{movie.movie_id}/").get("KeyCount", 0) == 0
    assert list(ReviewModel.query(movie.movie_id)) == []
    assert list(WatchlistModel.movie_index.query(movie.movie_id)) == []
    assert [c for c in ListingModel.query("all") if c.movie_id == movie.movie_id] == []
    assert browser.get(f"/api/video/{movie.movie_id}/", headers=admin).status_code == 404
    assert browser.delete(f"/api/admin/videos/{movie.movie_id}/", headers=admin).status_code == 404


def test_genres_are_managed_and_renames_reach_the_movies(
    browser: Browser, admin: dict[str, str], viewer: dict[str, str]
) -> None:
    created = browser.post("/api/admin/genres/", {"name": "Film Noir"}, headers=admin)
    assert created.status_code == 201
    assert created.json_body == {"id": "film-noir", "name": "Film Noir"}
    assert browser.post("/api/admin/genres/", {"name": "film noir"},
                        headers=admin).status_code == 409
    movie = make_movie("The Big Sleep", genres=["film-noir"])

    renamed = browser.request("PATCH", "/api/admin/genres/film-noir/", {"name": "Noir"},
                              headers=admin)
    assert renamed.json_body["name"] == "Noir"
    card = browser.get("/api/video/?genre=film-noir", headers=viewer).json_body[0]
    assert card["genres"] == [{"id": "film-noir", "name": "Noir"}]
    assert browser.get("/api/genres/", headers=viewer).json_body == [
        {"id": "film-noir", "name": "Noir"}]

    in_use = browser.delete("/api/admin/genres/film-noir/", headers=admin)
    assert in_use.status_code == 409
    browser.request("PATCH", f"/api/admin/videos/{movie.movie_id}/", {"genres": []},
                    headers=admin)
    assert browser.delete("/api/admin/genres/film-noir/", headers=admin).status_code == 204
    assert browser.delete("/api/admin/genres/film-noir/", headers=admin).status_code == 404


def test_artists_and_maturity_ratings_are_managed(
    browser: Browser, admin: dict[str, str]
) -> None:
    artist = browser.post("/api/admin/artists/", {"name": "Agnès Varda", "bio": "Director."},
                          headers=admin)
    rating = browser.post("/api/admin/maturity_ratings/",
                          {"name": "Parental Guidance", "code": "pg", "min_age": 8},
                          headers=admin)

    assert artist.status_code == rating.status_code == 201
    assert rating.json_body["code"] == "PG"
    assert browser.get("/api/admin/artists/", headers=admin).json_body[0]["name"] == "Agnès Varda"
    movie = browser.post("/api/admin/videos/", {
        "title": "Cléo", "maturity_rating": "pg",
        "cast": [{"artist_id": artist.json_body["id"], "role": "director"}],
    }, headers=admin).json_body
    assert movie["maturity_rating"] == "PG"
    assert movie["cast"][0]["role"] == "director" and movie["cast"][0]["character"] is None
    assert browser.delete(f"/api/admin/artists/{artist.json_body['id']}/",
                          headers=admin).status_code == 409
    missing_code = browser.post("/api/admin/maturity_ratings/", {"name": "X"}, headers=admin)
    assert missing_code.status_code == 400


def test_images_redirect_to_a_fresh_signed_url(
    browser: Browser, viewer: dict[str, str], stack: Settings
) -> None:
    movie = make_movie("Posterised")
    key = f"videos/{movie.movie_id}/images/poster.jpg"
    aws_client("s3").put_object(Bucket=stack.buckets.media, Key=key, Body=b"jpeg")
    MovieModel(movie.movie_id).update(actions=[MovieModel.poster_url.set(key)])

    card = browser.get(f"/api/video/{movie.movie_id}/", headers=viewer).json_body
    assert card["poster_url"] == (f"{stack.public_api_url}/api/video/{movie.movie_id}"
                                  "/images/poster/")
    redirect = browser.get(f"/api/video/{movie.movie_id}/images/poster/")
    assert redirect.status_code == 302
    assert key in redirect.headers["Location"] and "Signature" in redirect.headers["Location"]
    assert browser.get(f"/api/video/{movie.movie_id}/images/backdrop/").status_code == 404
