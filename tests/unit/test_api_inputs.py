"""The request models of the catalog, playback, upload and movie-request routes, decoded as
the edge decodes them: every bad field named at once, text trimmed, blank optional text
read as not sent, and the literal choices kept in step with the domain's own lists."""

from __future__ import annotations

from typing import Any, get_args

import msgspec
import pytest

from chalicelib.catalog.inputs import (
    CatalogQuery,
    MovieEdit,
    NewMovie,
    NewReview,
    Ordering,
    TmdbImport,
)
from chalicelib.catalog.listing import ORDERINGS
from chalicelib.catalog.shapes import Card
from chalicelib.core.contract import decode
from chalicelib.core.errors import InvalidInput
from chalicelib.movie_requests.inputs import Approval, MovieWish, RequestState
from chalicelib.movie_requests.models import STATES
from chalicelib.playback.inputs import NewPlan, StartPlayback, WatchPosition
from chalicelib.transcode.inputs import UploadRef, UploadRequest


def refused_fields(model: type[Any], raw: dict[str, Any], **options: Any) -> dict[str, str]:
    with pytest.raises(InvalidInput) as refused:
        decode(model, raw, **options)
    fields: dict[str, str] = refused.value.details["fields"]
    return fields


def test_a_movie_body_names_every_bad_field_at_once() -> None:
    fields = refused_fields(NewMovie, {
        "title": " ", "release_year": 1500, "poster_url": "ftp://x/y.png",
        "genres": ["drama", ""], "cast": [{"name": "nobody"}], "content_type": "podcast",
    })

    assert set(fields) == {"title", "release_year", "poster_url", "genres", "cast",
                           "content_type"}


def test_text_is_trimmed_and_a_cast_member_is_checked_as_the_movie_is() -> None:
    movie = decode(NewMovie, {"title": "  Heat ", "genres": ["crime", "crime", "drama"],
                              "cast": [{"artist_id": "a1", "character": " Neil "}]})

    assert (movie.title, movie.genres) == ("Heat", ["crime", "drama"])
    assert movie.cast is not None and movie.cast[0].character == "Neil"
    assert set(refused_fields(NewMovie, {"title": "X", "cast": [
        {"artist_id": "a1", "character": "Ne\x00il"}]})) == {"cast"}


def test_blank_optional_text_reads_as_not_sent() -> None:
    """Forms send "" for an input left empty: no 400, and nothing changes."""
    edit = decode(MovieEdit, {"title": "", "description": "  ", "poster_url": ""})
    review = decode(NewReview, {"rating": 4, "text": " "})

    assert (edit.title, edit.description, edit.poster_url) == (None, None, None)
    assert review.text is None
    assert decode(Approval, {"source_url": ""}).source_url is None


def test_movie_and_wish_bodies_ignore_fields_they_do_not_read_and_others_refuse_them() -> None:
    assert decode(NewMovie, {"title": "X", "rating": 4.5}).title == "X"
    assert decode(MovieWish, {"tmdb_id": 603, "privacy_policy": "on"}).wanted_id == 603

    assert refused_fields(NewReview, {"rating": 3, "stars": 3}) == {
        "stars": "is not a known field"}


@pytest.mark.parametrize("tmdb_id, wanted", [(603, 603), ("603", 603)])
def test_a_tmdb_id_may_come_as_a_number_or_its_ascii_digits(tmdb_id: object,
                                                            wanted: int) -> None:
    assert decode(TmdbImport, {"tmdb_id": tmdb_id}).wanted == wanted


@pytest.mark.parametrize("tmdb_id", ["\u0661\u0660", "-5", 0, True, 6.5])
def test_a_tmdb_id_that_is_no_positive_integer_is_refused(tmdb_id: object) -> None:
    assert set(refused_fields(TmdbImport, {"tmdb_id": tmdb_id})) == {"tmdb_id"}


@pytest.mark.parametrize("movie_id, ref", [(7, "7"), ("abc", "abc")])
def test_a_movie_to_play_is_named_by_id_or_by_number(movie_id: object, ref: str) -> None:
    assert decode(StartPlayback, {"movie_id": movie_id, "device_id": "tv"}).movie_ref == ref


@pytest.mark.parametrize("movie_id", [0, -3, True, "", None])
def test_a_movie_to_play_must_be_named(movie_id: object) -> None:
    assert set(refused_fields(StartPlayback, {"movie_id": movie_id, "device_id": "tv"})) == {
        "movie_id"}


def test_a_plan_names_each_bad_limit() -> None:
    fields = refused_fields(NewPlan, {"plan_id": "Family!", "name": "", "max_streams": 0,
                                      "max_resolution": 1000, "price_cents": 9.99})

    assert set(fields) == {"plan_id", "name", "max_streams", "max_resolution", "price_cents"}


def test_a_position_defaults_to_the_start() -> None:
    assert decode(WatchPosition, {"watch_session_id": "s"}).position == 0.0


def test_an_abort_takes_the_upload_as_the_client_holds_it() -> None:
    held = {"key": "videos/m/abc-film.mp4", "upload_id": "u1", "size": 6 << 20}

    assert decode(UploadRef, held).upload_id == "u1"
    assert set(refused_fields(UploadRequest, {"filename": "...", "size": 0})) == {
        "filename", "size"}


def test_query_choices_are_the_domains_own() -> None:
    assert set(get_args(Ordering)) == set(ORDERINGS)
    assert set(get_args(RequestState)) == set(STATES)


def test_a_catalog_query_reads_numbers_in_ascii_digits_only() -> None:
    assert decode(CatalogQuery, {"limit": "5"}, from_query=True).limit == 5
    assert set(refused_fields(CatalogQuery, {"limit": "\u0665"}, from_query=True)) == {"limit"}


def test_a_card_keeps_the_videoflix_field_order_on_the_wire() -> None:
    names = [field.encode_name for field in msgspec.structs.fields(Card)]

    assert names[:7] == ["id", "movie_id", "created_at", "title", "description",
                         "thumbnail_url", "category"]
