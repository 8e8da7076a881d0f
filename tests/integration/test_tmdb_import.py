"""POST /api/admin/videos/import/: a fake TMDb on loopback, images copied to our bucket."""

from __future__ import annotations

from chalicelib.core.clients import aws_client
from chalicelib.core.settings import Settings
from tests.support.api import Browser
from tests.support.fake_tmdb import FakeTmdb


def test_an_import_makes_a_draft_with_credits_and_our_own_images(
    browser: Browser, admin: dict[str, str], tmdb: FakeTmdb, stack: Settings
) -> None:
    tmdb.add_movie(603, "The Matrix", year=1999, genres=["Action", "Science Fiction"],
                   cast=[("Keanu Reeves", "Neo"), ("Carrie-Anne Moss", "Trinity")],
                   directors=["Lana Wachowski"], certification="R", runtime=136)

    imported = browser.post("/api/admin/videos/import/", {"tmdb_id": 603}, headers=admin)

    assert imported.status_code == 201
    movie = imported.json_body
    assert (movie["title"], movie["release_year"], movie["duration"]) == (
        "The Matrix", 1999, 136 * 60)
    assert (movie["status"], movie["tmdb_id"], movie["maturity_rating"]) == ("draft", "603", "R")
    assert [g["name"] for g in movie["genres"]] == ["Action", "Science Fiction"]
    assert {(c["name"], c["role"], c["character"]) for c in movie["cast"]} >= {
        ("Keanu Reeves", "actor", "Neo"), ("Lana Wachowski", "director", None)}
    images = aws_client("s3").list_objects_v2(Bucket=stack.buckets.media,
                                              Prefix=f"videos/{movie['movie_id']}/images/")
    assert sorted(o["Key"].rsplit("/", 1)[1] for o in images["Contents"]) == [
        "backdrop.png", "poster.jpg"]
    assert movie["poster_url"].startswith(stack.public_api_url)  # never TMDb's URL
    redirect = browser.get(f"/api/video/{movie['id']}/images/poster/")
    assert redirect.status_code == 404  # a draft shows nothing to the public yet


def test_importing_twice_is_a_409_naming_the_movie(
    browser: Browser, admin: dict[str, str], tmdb: FakeTmdb
) -> None:
    tmdb.add_movie(11, "Star Wars", year=1977)
    first = browser.post("/api/admin/videos/import/", {"tmdb_id": 11}, headers=admin)

    second = browser.post("/api/admin/videos/import/", {"tmdb_id": "11"}, headers=admin)

    assert second.status_code == 409
    assert second.json_body["movie_id"] == first.json_body["movie_id"]


def test_tmdb_failures_are_clear(browser: Browser, admin: dict[str, str], tmdb: FakeTmdb,
                                 stack: Settings) -> None:
    tmdb.add_movie(12, "Finding Nemo", year=2003)

    unknown = browser.post("/api/admin/videos/import/", {"tmdb_id": 999}, headers=admin)
    tmdb.fail_next(10, status=503)
    down = browser.post("/api/admin/videos/import/", {"tmdb_id": 12}, headers=admin)
    bad = browser.post("/api/admin/videos/import/", {"tmdb_id": "twelve"}, headers=admin)

    assert unknown.status_code == 404
    assert down.status_code == 502 and "TMDb" in down.json_body["Message"]
    assert bad.status_code == 400 and bad.json_body["field"] == "tmdb_id"
    assert aws_client("s3").list_objects_v2(Bucket=stack.buckets.media).get("KeyCount", 0) == 0
