"""The TMDb client against a fake TMDb on loopback: parsing, auth, retries, images, copies."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest
import requests

from chalicelib.catalog.tmdb import IMMUTABLE, MAX_IMAGE_BYTES, TmdbClient, copy_images
from chalicelib.catalog.tmdb_answers import TmdbCredit, TmdbSearchResult
from chalicelib.core.errors import BadGateway, DependencyUnavailable, InvalidInput, NotFound
from chalicelib.core.settings import Settings
from tests.support.fake_tmdb import (  # noqa: F401 - the fixture is used by its name
    TINY_JPEG,
    TINY_PNG,
    FakeTmdb,
    fake_tmdb_fixture,
)
from tests.support.network import free_port

V3_KEY = "0123456789abcdef0123456789abcdef"
V4_TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJhdWQiOiJyZWVsc3RhY2sifQ.c2lnbmF0dXJl"

MakeClient = Callable[..., TmdbClient]


@pytest.fixture
def sleeps() -> list[float]:
    """What the client would have slept: recorded, so retry tests take no time."""
    return []


@pytest.fixture
def make_client(sleeps: list[float]) -> Iterator[MakeClient]:
    sessions: list[requests.Session] = []

    def make(settings: Settings, **options: Any) -> TmdbClient:
        sessions.append(requests.Session())
        options = {"timeout": 2.0, "sleep": sleeps.append, **options}
        return TmdbClient(settings, sessions[-1], **options)

    yield make
    for session in sessions:
        session.close()


@pytest.fixture
def tmdb(fake_tmdb: FakeTmdb, make_client: MakeClient) -> TmdbClient:
    return make_client(fake_tmdb.settings())


class RecordingS3:
    """Just enough of an S3 client for copy_images."""

    def __init__(self) -> None:
        self.puts: list[dict[str, Any]] = []

    def put_object(self, **kwargs: Any) -> dict[str, Any]:
        self.puts.append(kwargs)
        return {"ETag": '"etag"'}


# -- movies ----------------------------------------------------------------------------------


def test_a_movie_comes_with_its_details_credits_and_certification(
    fake_tmdb: FakeTmdb, tmdb: TmdbClient
) -> None:
    fake_tmdb.add_movie(
        603, "The Matrix", year=1999, runtime=136, genres=["Action", "Science Fiction"],
        cast=[("Keanu Reeves", "Neo"), ("Carrie-Anne Moss", "Trinity")],
        directors=["Lana Wachowski", "Lilly Wachowski"],
        crew=[("Lana Wachowski", "Screenplay"), ("Lana Wachowski", "Writer"),
              ("Joel Silver", "Producer"), ("Barrie M. Osborne", "Executive Producer"),
              ("Don Davis", "Original Music Composer"), ("Bill Pope", "Director of Photography")],
        certification="R",
    )

    movie = tmdb.fetch_movie(603)

    assert (movie.tmdb_id, movie.title, movie.release_year, movie.runtime_minutes) == (
        603, "The Matrix", 1999, 136)
    assert movie.genres == ("Action", "Science Fiction")
    assert movie.certification == "R"
    assert movie.overview.startswith("A hacker")
    assert movie.original_language == "en"
    assert (movie.poster_path, movie.backdrop_path) == ("/poster-603.jpg", "/backdrop-603.png")
    person = fake_tmdb.person_id
    assert movie.credits == (
        TmdbCredit(person("Keanu Reeves"), "Keanu Reeves", "actor", "Neo", 0),
        TmdbCredit(person("Carrie-Anne Moss"), "Carrie-Anne Moss", "actor", "Trinity", 1),
        TmdbCredit(person("Lana Wachowski"), "Lana Wachowski", "director", None, 0),
        TmdbCredit(person("Lilly Wachowski"), "Lilly Wachowski", "director", None, 1),
        TmdbCredit(person("Lana Wachowski"), "Lana Wachowski", "writer", None, 0),
        TmdbCredit(person("Joel Silver"), "Joel Silver", "producer", None, 0),
        TmdbCredit(person("Barrie M. Osborne"), "Barrie M. Osborne", "producer", None, 1),
        TmdbCredit(person("Don Davis"), "Don Davis", "composer", None, 0),
    )


def test_details_credits_and_release_dates_come_in_one_request(
    fake_tmdb: FakeTmdb, tmdb: TmdbClient
) -> None:
    fake_tmdb.add_movie(603)

    tmdb.fetch_movie(603)

    [request] = fake_tmdb.requests
    assert request.path == "/3/movie/603"
    assert request.query["append_to_response"] == "credits,release_dates"
    assert request.headers["accept"] == "application/json"


def test_at_most_fifteen_actors_are_kept_in_billing_order_and_each_once(
    fake_tmdb: FakeTmdb, tmdb: TmdbClient
) -> None:
    movie = fake_tmdb.add_movie(
        603, cast=[(f"Actor {n}", f"Part {n}") for n in range(20)] + [("Actor 3", "Twin")]
    )
    movie["credits"]["cast"].reverse()  # TMDb's list order is not the billing order

    actors = [c for c in tmdb.fetch_movie(603).credits if c.role == "actor"]

    assert [actor.name for actor in actors] == [f"Actor {n}" for n in range(15)]
    assert [actor.order for actor in actors] == list(range(15))
    assert actors[3].character == "Part 3 / Twin"


@pytest.mark.parametrize(
    ("countries", "expected"),
    [
        ([("US", 1, "PG"), ("US", 3, "PG-13")], "PG-13"),
        ([("US", 4, "R"), ("US", 2, "NC-17")], "NC-17"),
        ([("US", 4, "R"), ("GB", 3, "15")], "R"),
        ([("BR", 3, ""), ("US", 3, ""), ("DE", 3, "16"), ("GB", 3, "15")], "16"),
        ([("US", 3, ""), ("FR", 3, "")], None),
        ([], None),
    ],
)
def test_the_certification_is_the_us_theatrical_one_or_else_the_first_given(
    fake_tmdb: FakeTmdb, tmdb: TmdbClient, countries: list[tuple[str, int, str]],
    expected: str | None,
) -> None:
    movie = fake_tmdb.add_movie(603)
    movie["release_dates"]["results"] = [
        {"iso_3166_1": country, "release_dates": [{"certification": rating, "type": kind}]}
        for country, kind, rating in countries
    ]

    assert tmdb.fetch_movie(603).certification == expected


def test_unknown_details_are_none_not_zero_or_empty(fake_tmdb: FakeTmdb, tmdb: TmdbClient) -> None:
    movie = fake_tmdb.add_movie(603, year=None, runtime=0, genres=[], poster=False,
                                backdrop=False, certification=None)
    movie["overview"] = None
    movie["original_language"] = ""

    fetched = tmdb.fetch_movie(603)

    assert (fetched.release_year, fetched.runtime_minutes, fetched.certification) == (
        None, None, None)
    assert (fetched.poster_path, fetched.backdrop_path, fetched.original_language) == (
        None, None, None)
    assert (fetched.overview, fetched.genres, fetched.credits) == ("", (), ())


def test_an_unknown_movie_is_not_found_without_a_retry(
    fake_tmdb: FakeTmdb, tmdb: TmdbClient, sleeps: list[float]
) -> None:
    with pytest.raises(NotFound, match="TMDb has no movie 999"):
        tmdb.fetch_movie(999)

    assert len(fake_tmdb.requests) == 1
    assert sleeps == []


@pytest.mark.parametrize("tmdb_id", [0, -603, "603", 6.03, True, None])
def test_a_bad_tmdb_id_is_refused_before_asking_tmdb(
    fake_tmdb: FakeTmdb, tmdb: TmdbClient, tmdb_id: Any
) -> None:
    with pytest.raises(InvalidInput) as refused:
        tmdb.fetch_movie(tmdb_id)

    assert refused.value.details == {"field": "tmdb_id"}
    assert fake_tmdb.requests == []


def test_an_answer_without_a_title_is_a_bad_gateway(fake_tmdb: FakeTmdb, tmdb: TmdbClient) -> None:
    del fake_tmdb.add_movie(603)["title"]

    with pytest.raises(BadGateway, match="TMDb answered movie 603 without the expected fields"):
        tmdb.fetch_movie(603)


def test_an_answer_of_the_wrong_shape_is_a_bad_gateway(
    fake_tmdb: FakeTmdb, tmdb: TmdbClient
) -> None:
    fake_tmdb.add_movie(603)["genres"] = "Action"

    with pytest.raises(BadGateway):
        tmdb.fetch_movie(603)


@pytest.mark.parametrize("body", [b"<html>Bad gateway</html>", b"[1, 2]"])
def test_an_answer_that_is_not_a_json_object_is_a_bad_gateway(
    fake_tmdb: FakeTmdb, tmdb: TmdbClient, body: bytes
) -> None:
    fake_tmdb.answer_next(1, body, "application/json")

    with pytest.raises(BadGateway, match="TMDb answered movie 603 with") as failed:
        tmdb.fetch_movie(603)

    assert failed.value.status == 502


# -- credentials -----------------------------------------------------------------------------


def test_a_v3_key_is_sent_as_the_api_key_parameter(make_client: MakeClient) -> None:
    with FakeTmdb(api_key=V3_KEY) as fake:
        fake.add_movie(603)
        make_client(fake.settings()).fetch_movie(603)

    [request] = fake.requests
    assert request.query["api_key"] == V3_KEY
    assert "authorization" not in request.headers


def test_a_v4_read_access_token_is_sent_as_a_bearer_token(make_client: MakeClient) -> None:
    with FakeTmdb(api_key=V4_TOKEN) as fake:
        fake.add_movie(603)
        make_client(fake.settings()).fetch_movie(603)

    [request] = fake.requests
    assert request.headers["authorization"] == f"Bearer {V4_TOKEN}"
    assert "api_key" not in request.query


def test_a_refused_key_is_a_configuration_problem_not_retried(
    make_client: MakeClient, sleeps: list[float]
) -> None:
    with FakeTmdb(api_key=V3_KEY) as fake:
        client = make_client(fake.settings(api_key="f" * 32))
        with pytest.raises(DependencyUnavailable, match="REELSTACK_TMDB_API_KEY"):
            client.fetch_movie(603)

    assert len(fake.requests) == 1
    assert sleeps == []


def test_without_a_key_the_real_tmdb_is_not_even_asked(make_client: MakeClient) -> None:
    settings = Settings.from_env({})  # TMDb's real URL, no key
    assert settings.tmdb_api_url == "https://api.themoviedb.org/3"

    with pytest.raises(DependencyUnavailable, match="set REELSTACK_TMDB_API_KEY"):
        make_client(settings, attempts=1).fetch_movie(603)


def test_image_requests_carry_no_credentials(make_client: MakeClient) -> None:
    with FakeTmdb(api_key=V3_KEY) as fake:
        fake.add_movie(603)
        make_client(fake.settings()).fetch_image("/poster-603.jpg", "w780")

    [request] = fake.requests
    assert request.query == {}
    assert "authorization" not in request.headers


# -- retries ---------------------------------------------------------------------------------


def test_server_errors_are_retried_with_growing_backoff(
    fake_tmdb: FakeTmdb, tmdb: TmdbClient, sleeps: list[float]
) -> None:
    fake_tmdb.add_movie(603)
    fake_tmdb.fail_next(2, status=500)

    assert tmdb.fetch_movie(603).tmdb_id == 603

    assert len(fake_tmdb.requests) == 3
    first, second = sleeps
    assert 0.5 <= first <= 1.0  # 0.5 s, plus up to 0.5 s of jitter
    assert 1.0 <= second <= 1.5


def test_rate_limiting_waits_as_long_as_tmdb_asks_up_to_a_cap(
    fake_tmdb: FakeTmdb, tmdb: TmdbClient, sleeps: list[float]
) -> None:
    fake_tmdb.add_movie(603)
    fake_tmdb.fail_next(1, status=429, retry_after=7)
    fake_tmdb.fail_next(1, status=429, retry_after=3600)

    assert tmdb.fetch_movie(603).title == "The Matrix"

    assert sleeps == [7.0, 30.0]


def test_after_the_last_attempt_tmdb_failing_is_a_bad_gateway(
    fake_tmdb: FakeTmdb, tmdb: TmdbClient, sleeps: list[float]
) -> None:
    fake_tmdb.add_movie(603)
    fake_tmdb.fail_next(4, status=503)

    with pytest.raises(BadGateway, match=r"TMDb failed .* movie 603 after 4 attempt.*HTTP 503"):
        tmdb.fetch_movie(603)

    assert len(fake_tmdb.requests) == 4
    assert len(sleeps) == 3


def test_other_client_errors_are_not_retried(
    fake_tmdb: FakeTmdb, tmdb: TmdbClient, sleeps: list[float]
) -> None:
    fake_tmdb.fail_next(1, status=422)

    with pytest.raises(BadGateway, match="HTTP 422"):
        tmdb.fetch_movie(603)

    assert (len(fake_tmdb.requests), sleeps) == (1, [])


def test_a_stalled_answer_times_out_then_the_retry_succeeds(
    fake_tmdb: FakeTmdb, make_client: MakeClient
) -> None:
    fake_tmdb.add_movie(603)
    fake_tmdb.stall_next(1, seconds=2)

    assert make_client(fake_tmdb.settings(), timeout=0.2).fetch_movie(603).tmdb_id == 603
    assert len(fake_tmdb.requests) == 2


def test_timing_out_every_time_is_a_bad_gateway(
    fake_tmdb: FakeTmdb, make_client: MakeClient
) -> None:
    fake_tmdb.add_movie(603)
    fake_tmdb.stall_next(2, seconds=2)
    client = make_client(fake_tmdb.settings(), timeout=0.2, attempts=2)

    started = time.monotonic()
    with pytest.raises(BadGateway, match=r"TMDb failed .* no answer within 0\.2 s"):
        client.fetch_movie(603)

    assert time.monotonic() - started < 1.5


def test_nothing_listening_is_a_bad_gateway_that_does_not_show_the_key(
    make_client: MakeClient, sleeps: list[float]
) -> None:
    settings = replace(Settings.from_env({}), tmdb_api_url=f"http://127.0.0.1:{free_port()}/3",
                       tmdb_api_key=V3_KEY)

    with pytest.raises(BadGateway, match=r"connection failed \(ConnectionRefusedError\)") as failed:
        make_client(settings, attempts=3).fetch_movie(603)

    assert V3_KEY not in str(failed.value.to_body())
    assert len(sleeps) == 2


# -- search ----------------------------------------------------------------------------------


def test_search_finds_movies_by_title_and_year(fake_tmdb: FakeTmdb, tmdb: TmdbClient) -> None:
    fake_tmdb.add_movie(603, "The Matrix", year=1999)
    fake_tmdb.add_movie(604, "The Matrix Reloaded", year=2003, poster=False)
    fake_tmdb.add_movie(550, "Fight Club", year=1999)

    assert tmdb.search("matrix") == [
        TmdbSearchResult(603, "The Matrix", 1999, "/poster-603.jpg"),
        TmdbSearchResult(604, "The Matrix Reloaded", 2003, None),
    ]
    assert tmdb.search("  Matrix ", year=2003) == [
        TmdbSearchResult(604, "The Matrix Reloaded", 2003, None),
    ]
    assert fake_tmdb.requests[-1].query == {
        "query": "Matrix", "include_adult": "false", "page": "1", "year": "2003"}
    assert tmdb.search("Casablanca") == []


@pytest.mark.parametrize(("title", "year"), [("", None), ("   ", None), ("Heat", 95),
                                             ("Heat", "1995")])
def test_a_search_without_a_title_or_with_a_bad_year_is_refused(
    fake_tmdb: FakeTmdb, tmdb: TmdbClient, title: str, year: Any
) -> None:
    with pytest.raises(InvalidInput):
        tmdb.search(title, year)

    assert fake_tmdb.requests == []


def test_a_search_answer_without_results_is_a_bad_gateway(
    fake_tmdb: FakeTmdb, tmdb: TmdbClient
) -> None:
    fake_tmdb.answer_next(1, json.dumps({"page": 1}).encode(), "application/json")

    with pytest.raises(BadGateway, match="TMDb answered a search for 'Heat'"):
        tmdb.search("Heat")


# -- images ----------------------------------------------------------------------------------


def test_an_image_comes_with_its_content_type(fake_tmdb: FakeTmdb, tmdb: TmdbClient) -> None:
    fake_tmdb.add_movie(603)

    assert tmdb.fetch_image("/poster-603.jpg", "w780") == (TINY_JPEG, "image/jpeg")
    assert tmdb.fetch_image("/backdrop-603.png") == (TINY_PNG, "image/png")
    assert [r.path for r in fake_tmdb.requests] == [
        "/t/p/w780/poster-603.jpg", "/t/p/original/backdrop-603.png"]


@pytest.mark.parametrize("content_type", ["text/html", "image/svg+xml", ""])
def test_anything_but_a_raster_image_is_refused(
    fake_tmdb: FakeTmdb, tmdb: TmdbClient, content_type: str
) -> None:
    fake_tmdb.add_image("/odd.jpg", b"<svg onload='alert(1)'/>", content_type)

    with pytest.raises(BadGateway, match="not a JPEG, PNG or WebP image"):
        tmdb.fetch_image("/odd.jpg")


@pytest.mark.parametrize("send_length", [True, False])
def test_an_image_over_20_mb_is_refused(
    fake_tmdb: FakeTmdb, tmdb: TmdbClient, send_length: bool
) -> None:
    megabyte = 1024 * 1024
    assert megabyte * 21 > MAX_IMAGE_BYTES
    fake_tmdb.add_image("/huge.jpg", b"\xff" * megabyte, repeat=21, send_length=send_length)

    with pytest.raises(BadGateway, match=f"over {MAX_IMAGE_BYTES}"):
        tmdb.fetch_image("/huge.jpg")


def test_a_missing_image_is_a_bad_gateway_not_a_missing_movie(tmdb: TmdbClient) -> None:
    with pytest.raises(BadGateway, match=r"TMDb has no image at /gone\.jpg"):
        tmdb.fetch_image("/gone.jpg")


@pytest.mark.parametrize(("path", "size"), [
    ("poster.jpg", "w780"), ("/../3/movie/1", "w780"), ("/a.jpg?x=1", "w780"),
    ("//evil.example/a.jpg", "w780"), ("/a.jpg", "../w780"), ("/a.jpg", ""),
])
def test_an_image_path_that_is_not_tmdb_shaped_is_refused(
    fake_tmdb: FakeTmdb, tmdb: TmdbClient, path: str, size: str
) -> None:
    with pytest.raises(InvalidInput):
        tmdb.fetch_image(path, size)

    assert fake_tmdb.requests == []


# -- copies into our bucket ------------------------------------------------------------------


def test_poster_and_backdrop_are_copied_for_a_year(fake_tmdb: FakeTmdb, tmdb: TmdbClient) -> None:
    fake_tmdb.add_movie(603)
    s3 = RecordingS3()

    keys = copy_images(tmdb, tmdb.fetch_movie(603), "media", "movies/m-1/art/", s3)

    assert keys == {"poster": "movies/m-1/art/poster.jpg",
                    "backdrop": "movies/m-1/art/backdrop.png"}
    assert s3.puts == [
        {"Bucket": "media", "Key": "movies/m-1/art/poster.jpg", "Body": TINY_JPEG,
         "ContentType": "image/jpeg", "CacheControl": IMMUTABLE},
        {"Bucket": "media", "Key": "movies/m-1/art/backdrop.png", "Body": TINY_PNG,
         "ContentType": "image/png", "CacheControl": IMMUTABLE},
    ]
    assert IMMUTABLE == "public, max-age=31536000, immutable"
    assert [r.path for r in fake_tmdb.requests_to("/t/p/")] == [
        "/t/p/w780/poster-603.jpg", "/t/p/w1280/backdrop-603.png"]


def test_only_the_artwork_a_movie_has_is_copied(fake_tmdb: FakeTmdb, tmdb: TmdbClient) -> None:
    fake_tmdb.add_movie(603, backdrop=False)
    fake_tmdb.add_movie(604, poster=False, backdrop=False)
    fake_tmdb.add_image("/poster-603.jpg", b"RIFF....WEBP", "image/webp")
    s3 = RecordingS3()

    assert copy_images(tmdb, tmdb.fetch_movie(603), "media", "m/603", s3) == {
        "poster": "m/603/poster.webp"}
    assert copy_images(tmdb, tmdb.fetch_movie(604), "media", "m/604", s3) == {}
    assert [put["ContentType"] for put in s3.puts] == ["image/webp"]


def test_a_failed_download_writes_nothing(fake_tmdb: FakeTmdb, tmdb: TmdbClient) -> None:
    fake_tmdb.add_movie(603)
    del fake_tmdb.images["/backdrop-603.png"]
    s3 = RecordingS3()

    with pytest.raises(BadGateway):
        copy_images(tmdb, tmdb.fetch_movie(603), "media", "m/603", s3)

    assert s3.puts == []
