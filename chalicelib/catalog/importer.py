"""Import a movie from TMDb: metadata, credits and images, copied into our own bucket so
the catalog never hot-links TMDb."""

from __future__ import annotations

import uuid

from chalicelib.catalog.media import delete_prefix, media_prefix
from chalicelib.catalog.models import ListingModel, MovieModel
from chalicelib.catalog.movies import create_movie
from chalicelib.catalog.terms import TermKind, ensure_term
from chalicelib.catalog.text import slugify
from chalicelib.catalog.tmdb import TmdbClient, TmdbMovie, copy_images
from chalicelib.core.clients import s3
from chalicelib.core.errors import Conflict, InvalidInput
from chalicelib.core.settings import get_settings
from chalicelib.core.validation import ascii_int


def tmdb_id_of(value: object) -> int:
    if isinstance(value, str):
        value = ascii_int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InvalidInput("tmdb_id must be a positive integer.", field="tmdb_id")
    return value


def already_imported(tmdb_id: int) -> str | None:
    found = next(iter(ListingModel.query(f"tmdb#{tmdb_id}", limit=1)), None)
    return found.movie_id if found else None


def import_movie(tmdb_id: object, client: TmdbClient | None = None,
                 movie_id: str | None = None, request_id: str | None = None) -> MovieModel:
    """A draft movie made from TMDb's record; importing the same movie twice is a 409."""
    wanted = tmdb_id_of(tmdb_id)
    existing = already_imported(wanted)
    if existing:
        raise Conflict(f"TMDb movie {wanted} is already in the catalog.", movie_id=existing)
    client = client or TmdbClient(get_settings())
    found = client.fetch_movie(wanted)
    movie_id = movie_id or uuid.uuid4().hex
    bucket = get_settings().buckets.media
    images = copy_images(client, found, bucket, f"{media_prefix(movie_id)}images", s3())
    try:
        return create_movie(_body(found), movie_id=movie_id, stored={
            "tmdb_id": str(found.tmdb_id),
            **({"request_id": request_id} if request_id else {}),
            **{f"{kind}_url": key for kind, key in images.items()},
        })
    except BaseException:
        delete_prefix(bucket, media_prefix(movie_id))  # no orphaned images
        raise


def _body(found: TmdbMovie) -> dict[str, object]:
    genre_ids = [ensure_term(TermKind.GENRE, slugify(name), name)
                 for name in found.genres if slugify(name)]
    cast = [{"artist_id": ensure_term(TermKind.ARTIST, f"tmdb-{c.person_id}", c.name),
             "role": c.role, "character": c.character} for c in found.credits]
    body: dict[str, object] = {
        "title": found.title[:300], "description": found.overview[:5000],
        "genres": genre_ids, "cast": cast, "content_type": "movie",
    }
    if found.release_year and 1870 <= found.release_year <= 2100:
        body["release_year"] = found.release_year
    if found.runtime_minutes:
        body["duration"] = found.runtime_minutes * 60
    if found.certification and slugify(found.certification):
        body["maturity_rating"] = ensure_term(TermKind.RATING, found.certification.upper(),
                                              found.certification)
    return body
