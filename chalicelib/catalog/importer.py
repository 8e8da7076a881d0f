"""Import a movie from TMDb: metadata, credits and images, copied into our own bucket so
the catalog never hot-links TMDb."""

from __future__ import annotations

import uuid

import msgspec

from chalicelib.catalog.inputs import CastEntry, NewMovie
from chalicelib.catalog.media import delete_prefix, media_prefix
from chalicelib.catalog.models import ListingModel, MovieModel
from chalicelib.catalog.movies import create_movie
from chalicelib.catalog.terms import TermKind, ensure_term
from chalicelib.catalog.text import slugify
from chalicelib.catalog.tmdb import TmdbClient, copy_images
from chalicelib.catalog.tmdb_answers import TmdbMovie
from chalicelib.core.clients import s3
from chalicelib.core.contract import decode
from chalicelib.core.errors import Conflict
from chalicelib.core.settings import get_settings


def already_imported(tmdb_id: int) -> str | None:
    found = next(iter(ListingModel.query(f"tmdb#{tmdb_id}", limit=1)), None)
    return found.movie_id if found else None


def import_movie(wanted: int, client: TmdbClient | None = None,
                 movie_id: str | None = None, request_id: str | None = None) -> MovieModel:
    """A draft movie made from TMDb's record; importing the same movie twice is a 409."""
    existing = already_imported(wanted)
    if existing:
        raise Conflict(f"TMDb movie {wanted} is already in the catalog.", movie_id=existing)
    client = client or TmdbClient(get_settings())
    found = client.fetch_movie(wanted)
    movie_id = movie_id or uuid.uuid4().hex
    bucket = get_settings().buckets.media
    images = copy_images(client, found, bucket, f"{media_prefix(movie_id)}images", s3())
    try:
        return create_movie(_new_movie(found), movie_id=movie_id, stored={
            "tmdb_id": str(found.tmdb_id),
            **({"request_id": request_id} if request_id else {}),
            **{f"{kind}_url": key for kind, key in images.items()},
        })
    except BaseException:
        delete_prefix(bucket, media_prefix(movie_id))  # no orphaned images
        raise


def _new_movie(found: TmdbMovie) -> NewMovie:
    """TMDb's record as an admin would have typed it (its genres, artists and rating made
    terms first), held to the same checks: what our limits refuse (a year before cinema)
    is left out, and a title with control characters is refused as an admin's would be."""
    genre_ids = [ensure_term(TermKind.GENRE, slugify(name), name)
                 for name in found.genres if slugify(name)]
    cast = [CastEntry(artist_id=ensure_term(TermKind.ARTIST, f"tmdb-{c.person_id}", c.name),
                      role=c.role, character=c.character) for c in found.credits]
    rating = None
    if found.certification and slugify(found.certification):
        rating = ensure_term(TermKind.RATING, found.certification.upper(), found.certification)
    year = found.release_year
    # Struct constructors check nothing: the model is decoded again from its builtins, so
    # its Meta constraints and Checks run on TMDb's values as they do on an admin's.
    return decode(NewMovie, msgspec.to_builtins(NewMovie(
        title=found.title[:300], description=found.overview[:5000].strip() or None,
        genres=list(dict.fromkeys(genre_ids)), cast=cast, content_type="movie",
        release_year=year if year and 1870 <= year <= 2100 else None,
        duration=found.runtime_minutes * 60 if found.runtime_minutes else None,
        maturity_rating=rating,
    )))
