"""What the catalog reads: movie, term, review and image bodies, and the list query.

Each is a `contract.Model`, decoded at the edge; the services take these, never a dict.
Checks against stored data (a genre that does not exist, a maturity rating nobody made)
stay in the services.
"""

from __future__ import annotations

from typing import Annotated, Literal, get_args

import msgspec
from msgspec import Meta

from chalicelib.core.contract import LenientModel, Model, decode
from chalicelib.core.errors import InvalidFields, InvalidInput
from chalicelib.core.paging import PageQuery
from chalicelib.core.validation import (
    Check,
    OptionalPlainText,
    OptionalProse,
    PlainText,
    ascii_int,
    has_control_characters,
)

ContentType = Literal["movie", "show"]
Role = Literal["actor", "director", "writer", "producer", "composer", "creator"]
EditableStatus = Literal["draft", "processing", "ready", "failed"]  # what an admin may set
ListedStatus = Literal["ready", "draft", "processing", "playable", "failed", "all"]
Ordering = Literal["-created_at", "created_at", "title", "-rating"]
CONTENT_TYPES: tuple[str, ...] = get_args(ContentType)
ROLES: tuple[str, ...] = get_args(Role)
MAX_CAST = 60
MAX_GENRES = 20


def _url(value: str | None) -> str | None:
    if value is not None and not value.startswith(("https://", "http://")):
        raise ValueError("must be an http(s) URL")
    return value


def _term_ids(ids: list[str]) -> list[str]:
    """Each named once, in the order given."""
    if any(not term_id or has_control_characters(term_id) for term_id in ids):
        raise ValueError("must be a list of term ids")
    return list(dict.fromkeys(ids))


class CastEntry(Model, frozen=True):
    artist_id: str
    role: Role | None = None  # an actor unless said
    character: Annotated[OptionalPlainText, Meta(max_length=200)] | None = None


def _cast(entries: list[CastEntry]) -> list[CastEntry]:
    # msgspec built the entries; their own text checks run here, as decode runs them.
    checked = []
    for number, entry in enumerate(entries):
        try:
            checked.append(decode(CastEntry, msgspec.to_builtins(entry)))
        except InvalidFields as error:
            reasons = "; ".join(f"{name} {reason}" for name, reason in
                                error.details["fields"].items())
            raise ValueError(f"entry {number}: {reasons}") from None
    return checked


Title = Annotated[PlainText, Meta(max_length=300)]
Url = Annotated[OptionalPlainText, Meta(max_length=2000), Check(_url)]


class MovieEdit(LenientModel, frozen=True):
    """An admin's change to a movie: only the fields sent change (null or blank: none).
    Lenient: admin clients have always sent movies with fields no edit takes (the `id`,
    `rating` or `renditions` of the detail they read), and those were ignored."""

    title: Annotated[OptionalPlainText, Meta(max_length=300)] | None = None
    description: Annotated[OptionalProse, Meta(max_length=5000)] | None = None
    category: Annotated[OptionalPlainText, Meta(max_length=80)] | None = None
    content_type: ContentType | None = None
    release_year: Annotated[int, Meta(ge=1870, le=2100)] | None = None
    duration: Annotated[int, Meta(ge=1, le=100 * 3600)] | None = None  # seconds
    poster_url: Url | None = None
    backdrop_url: Url | None = None
    thumbnail_url: Url | None = None
    genres: Annotated[list[str], Meta(max_length=MAX_GENRES), Check(_term_ids)] | None = None
    cast: Annotated[list[CastEntry], Meta(max_length=MAX_CAST), Check(_cast)] | None = None
    maturity_rating: Annotated[OptionalPlainText, Meta(max_length=16)] | None = None
    status: EditableStatus | None = None

    example = {"title": "The General", "release_year": 1926, "genres": ["comedy"]}


class NewMovie(MovieEdit, frozen=True):
    """A new movie: a title at least; it starts as a draft, whatever `status` says."""

    title: Title

    example = {"title": "The General", "description": "A locomotive chase.",
               "release_year": 1926, "genres": ["comedy"],
               "cast": [{"artist_id": "0b7c", "role": "actor", "character": "Johnnie"}]}


def tmdb_id_of(value: object) -> int:
    """A TMDb id: a positive integer, or its ASCII digits (clients have sent both)."""
    if isinstance(value, str):
        value = ascii_int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InvalidInput("tmdb_id must be a positive integer.", field="tmdb_id")
    return value


TmdbId = Annotated[int | str, Check(tmdb_id_of)]


class TmdbImport(Model, frozen=True):
    tmdb_id: TmdbId

    @property
    def wanted(self) -> int:
        return tmdb_id_of(self.tmdb_id)  # an int already, once decoded

    example = {"tmdb_id": 961}


class NewImage(Model, frozen=True):
    """A poster or backdrop, base64-encoded (a `data:` URL too)."""

    data: Annotated[str, Meta(min_length=1)]

    example = {"data": "data:image/png;base64,iVBORw0KGgo="}


class TermFields(Model, frozen=True):
    """A genre, an artist or a maturity rating: `bio` is an artist's, `code` and `min_age`
    a rating's."""

    name: Annotated[OptionalPlainText, Meta(max_length=120)] | None = None
    description: Annotated[OptionalProse, Meta(max_length=2000)] | None = None
    bio: Annotated[OptionalProse, Meta(max_length=2000)] | None = None
    code: Annotated[PlainText, Meta(max_length=16)] | None = None
    min_age: Annotated[int, Meta(ge=0, le=21)] | None = None

    example = {"name": "PG-13", "code": "PG-13", "min_age": 13}


class NewTerm(TermFields, frozen=True):
    name: Annotated[PlainText, Meta(max_length=120)]

    example = {"name": "Film noir"}


Rating = Annotated[int, Meta(ge=1, le=5)]
ReviewText = Annotated[OptionalProse, Meta(max_length=4000)]


class NewReview(Model, frozen=True):
    rating: Rating
    text: ReviewText | None = None

    example = {"rating": 5, "text": "Keaton at his best."}


class ReviewEdit(Model, frozen=True):
    rating: Rating | None = None
    text: ReviewText | None = None

    example = {"rating": 4}


class CatalogQuery(PageQuery, frozen=True):
    """`GET /api/video`: filters, an ordering and a page. Anything but `ready` (ready or
    playable) is for admins only."""

    status: ListedStatus = "ready"
    genre: str | None = None
    category: str | None = None
    content_type: ContentType | None = None
    search: str | None = None
    ordering: Ordering = "-created_at"


class TmdbSearchQuery(Model, frozen=True):
    title: PlainText  # the first 200 characters are searched for
    year: Annotated[int, Meta(ge=1870, le=2200)] | None = None
