"""What the catalog answers: the Videoflix card, the movie detail, terms and reviews.

Written once as Structs, so the OpenAPI document describes exactly what is sent. Field
order is the order on the wire (the JSON clients have always received).
"""

from __future__ import annotations

import msgspec
from msgspec import UNSET, UnsetType

from chalicelib.core.contract import Model


class Shape(Model, frozen=True):
    """An answer body; encoded field by field in declaration order."""


class GenreLabel(Shape, frozen=True):
    id: str
    name: str


class Credit(Shape, frozen=True):
    artist_id: str
    name: str
    role: str
    character: str | None


class Card(Shape, frozen=True):
    """The Videoflix list item (`id, created_at, title, description, thumbnail_url,
    category`) plus genres, maturity rating, duration and rating."""

    # `id` goes into Videoflix click handlers unquoted: an integer. Native clients may keep
    # using `movie_id`; every path takes either.
    id: int
    movie_id: str
    created_at: str
    title: str
    description: str
    # Always set: Videoflix SPAs put it in an <img src>.
    thumbnail_url: str
    category: str
    content_type: str
    genres: list[GenreLabel]
    maturity_rating: str | None
    duration: int | float | None  # seconds
    rating: float
    rating_count: int
    status: str
    progress: float | None  # how far the encode of a playable movie has got


class TranscodeState(Shape, frozen=True, omit_defaults=True):
    """The version under way (`processing`, or `playable` once it plays), or why the last
    attempt failed (`failed`); `reason` says why an attempt was retried."""

    state: str
    version: str | None = None
    progress: float | None = None
    reason: str | None = None


class SubtitleLabel(Shape, frozen=True):
    """A published subtitle track of the version that plays (catalog/tracks.py)."""

    language: str  # BCP 47
    label: str
    kind: str  # subtitles | captions | forced
    forced: bool
    default: bool


class AudioLabel(Shape, frozen=True):
    """An audio rendition of the version that plays."""

    language: str
    label: str
    channels: int | None
    default: bool


class MovieDetail(Card, frozen=True):
    release_year: int | None
    poster_url: str | None
    backdrop_url: str | None
    cast: list[Credit]
    renditions: list[int]
    transcode: TranscodeState | None
    updated_at: str
    tmdb_id: str | None
    subtitles: list[SubtitleLabel] = msgspec.field(default_factory=list)
    audio_tracks: list[AudioLabel] = msgspec.field(default_factory=list)


class WatchlistCard(Card, frozen=True):
    added_at: str


class Review(Shape, frozen=True):
    movie_id: str
    user_id: str
    author: str  # the author's display name now
    rating: int
    text: str
    created_at: str
    updated_at: str


class Genre(Shape, frozen=True):
    id: str
    name: str


class Artist(Shape, frozen=True):
    id: str
    name: str
    bio: str


class MaturityRating(Shape, frozen=True):
    id: str
    name: str
    code: str
    description: str
    min_age: int | None


class TmdbCandidate(Shape, frozen=True):
    """A TMDb search result; `movie_id` names the catalog's copy when it was imported."""

    tmdb_id: int
    title: str
    year: int | None
    poster_url: str | None
    movie_id: str | None


TermShape = Genre | Artist | MaturityRating


class PipelineRow(Shape, frozen=True):
    """A movie in the pipeline view; the transcode fields come with the movies under way
    or failed (UNSET, so left out, for the others; None is sent as null)."""

    movie_id: str
    id: int | None
    title: str
    status: str
    created_at: str
    updated_at: str | UnsetType | None = UNSET
    progress: float | UnsetType | None = UNSET
    stage: str | UnsetType | None = UNSET  # starting, encoding, publishing
    reason: str | UnsetType | None = UNSET
    can_rerun: bool | UnsetType = UNSET


class PipelineView(Shape, frozen=True):
    statuses: dict[str, list[PipelineRow]]  # draft, processing, playable, ready, failed
