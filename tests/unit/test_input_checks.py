"""Numbers are ASCII digits only, and text fields hold no control characters.

`str.isdigit()` holds for "²" (which `int()` then refuses: a 500) and for Arabic-Indic
ten (which `int()` reads as 10); every site now reads numbers with `ascii_int`.
"""

from __future__ import annotations

import io
from dataclasses import replace
from typing import Annotated, Any
from unittest.mock import Mock

import pytest
import requests
from msgspec import Meta

from chalicelib.catalog import tmdb as tmdb_module
from chalicelib.catalog.inputs import tmdb_id_of
from chalicelib.catalog.tmdb import TmdbClient
from chalicelib.core import validation
from chalicelib.core.contract import Model, decode
from chalicelib.core.errors import InvalidInput
from chalicelib.core.paging import page_request
from chalicelib.core.settings import Settings
from chalicelib.core.validation import Check
from chalicelib.movie_requests.sources import HttpSource
from chalicelib.transcode.jobs import split_run_id
from tests.support.fake_tmdb import (  # noqa: F401 - the fixture is used by its name
    TINY_PNG,
    FakeTmdb,
    fake_tmdb_fixture,
)

SUPERSCRIPT_TWO = "\u00b2"
ARABIC_TEN = "\u0661\u0660"
MP4 = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41" + bytes(64)


# -- ascii_int and its sites ---------------------------------------------------------------


@pytest.mark.parametrize("text, number", [
    ("0", 0), ("10", 10), ("007", 7), ("9" * 18, int("9" * 18)),
    (SUPERSCRIPT_TWO, None), (ARABIC_TEN, None), ("\uff11", None), ("", None), ("-1", None),
    ("+1", None), (" 1", None), ("1.0", None), ("1" * 19, None), ("1" * 5000, None),
])
def test_ascii_int_reads_ascii_digits_only(text: str, number: int | None) -> None:
    assert validation.ascii_int(text) == number


@pytest.mark.parametrize("limit", [SUPERSCRIPT_TWO, ARABIC_TEN, "1" * 5000])
def test_a_page_limit_in_other_digits_is_a_400(limit: str) -> None:
    with pytest.raises(InvalidInput, match="limit must be a number"):
        page_request({"limit": limit})


def test_a_page_limit_in_ascii_digits_still_counts() -> None:
    assert page_request({"limit": "10"}).limit == 10


@pytest.mark.parametrize("tmdb_id", [SUPERSCRIPT_TWO, ARABIC_TEN, "-5", "0", "1e3"])
def test_a_tmdb_id_in_other_digits_is_a_400(tmdb_id: str) -> None:
    with pytest.raises(InvalidInput, match="tmdb_id must be a positive integer"):
        tmdb_id_of(tmdb_id)


def test_a_tmdb_id_as_a_string_of_ascii_digits_still_counts() -> None:
    assert (tmdb_id_of("603"), tmdb_id_of(603)) == (603, 603)


@pytest.mark.parametrize("run_id, parsed", [
    ("job-1.2", ("job-1", 2)), (f"job-1.{SUPERSCRIPT_TWO}", ("job-1", 0)),
    ("job-1.\u0661", ("job-1", 0)), ("job-1", ("", 0)),
])
def test_a_run_id_attempt_is_ascii_digits_or_none(run_id: str, parsed: tuple[str, int]) -> None:
    assert split_run_id(run_id) == parsed


@pytest.mark.parametrize("release_date", [
    f"{SUPERSCRIPT_TWO * 4}-01-01", "\u0661\u0669\u0669\u0669-03-31", "199-1",
])
def test_a_tmdb_release_date_in_other_digits_has_no_year(
    fake_tmdb: FakeTmdb, release_date: str
) -> None:
    fake_tmdb.add_movie(603)["release_date"] = release_date
    with requests.Session() as session:
        client = TmdbClient(fake_tmdb.settings(), session, timeout=5.0, sleep=lambda _: None)

        assert client.fetch_movie(603).release_year is None


def image_response(content_length: str) -> requests.Response:
    response = requests.Response()
    response.status_code = 200
    response.headers.update({"Content-Type": "image/png", "Content-Length": content_length})
    response.raw = io.BytesIO(TINY_PNG)
    return response


@pytest.mark.parametrize("declared", [SUPERSCRIPT_TWO, ARABIC_TEN, "lots"])
def test_a_tmdb_image_length_in_other_digits_is_not_trusted(declared: str) -> None:
    read = tmdb_module._read_image(image_response(declared), "poster")

    assert read == (TINY_PNG, "image/png")


def test_a_source_length_in_other_digits_is_streamed_as_undeclared() -> None:
    response = requests.Response()
    response.status_code = 200
    response.headers.update({"Content-Type": "video/mp4", "Content-Length": SUPERSCRIPT_TWO})
    response.raw = io.BytesIO(MP4)
    session = Mock(spec=requests.Session)
    session.get.return_value = response
    s3 = Mock()
    s3.create_multipart_upload.return_value = {"UploadId": "u1"}
    s3.upload_part.return_value = {"ETag": '"1"'}
    limits = replace(Settings.from_env({}).movie_requests, source_max_bytes=1024 * 1024)

    landing = HttpSource("https://example.com/a.mp4", limits, session).land(s3, "b", "k")

    assert (landing.key, landing.size) == ("k", len(MP4))


# -- control characters in text fields -----------------------------------------------------

# NUL, BEL, an ANSI escape, US, DEL, C1's NEL and CSI, a lone surrogate.
CONTROL = ["\x00", "\x07", "\x1b[31m", "\x1f", "\x7f", "\x85", "\x9b", "\ud800"]


class Texts(Model, frozen=True):
    """Fields as request models declare them (validation.py's checks)."""

    title: Annotated[str, Meta(max_length=300), Check(validation.plain_text)] | None = None
    text: Annotated[str, Meta(max_length=2000), Check(validation.prose)] | None = None
    poster_url: Annotated[str, Meta(max_length=2000), Check(validation.plain_text)] | None = None
    genres: Annotated[list[validation.PlainText], Meta(max_length=20)] | None = None


def checked(**fields: Any) -> Texts:
    return decode(Texts, fields)


@pytest.mark.parametrize("control", CONTROL)
def test_a_text_field_with_a_control_character_is_a_400(control: str) -> None:
    with pytest.raises(InvalidInput, match="title must not contain control characters"):
        checked(title=f"Alien{control}")


@pytest.mark.parametrize("line_break", ["\n", "\r\n", "\t"])
def test_a_one_line_field_holds_no_line_breaks_or_tabs(line_break: str) -> None:
    with pytest.raises(InvalidInput, match="control characters"):
        checked(title=f"Alien{line_break}Resurrection")


def test_prose_keeps_its_paragraphs_but_no_other_control() -> None:
    prose = "Line one.\r\n\r\n\tLine two."

    assert checked(text=prose).text == prose.strip()
    with pytest.raises(InvalidInput, match="text must not contain control characters"):
        checked(text="Line one.\x00")


def test_a_control_character_in_a_url_is_a_400() -> None:
    with pytest.raises(InvalidInput, match="poster_url must not contain control"):
        checked(poster_url="https://example.com/\x00.jpg")


@pytest.mark.parametrize("items", [["drama", "sci\x00fi"], ["\x1b[2J"]])
def test_a_list_item_with_a_control_character_is_a_400(items: list[Any]) -> None:
    with pytest.raises(InvalidInput, match="genres must not contain control characters"):
        checked(genres=items)


def test_ordinary_unicode_text_passes() -> None:
    title = "Le Fabuleux Destin d'Amélie Poulain — 東京物語 ²"

    assert checked(title=title).title == title
