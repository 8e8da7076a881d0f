"""The catalog's side of movie requests: a request's movie is found or imported, linked to
the request, and discarded again if the request fails before it ever played."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from chalicelib.catalog import importer, service
from chalicelib.catalog.media import image_url
from chalicelib.catalog.models import MovieModel
from chalicelib.catalog.movies import get_movie, save_and_reindex
from chalicelib.catalog.tmdb import TmdbClient
from chalicelib.core.errors import NotFound
from chalicelib.core.settings import get_settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RequestedMovie:
    movie_id: str
    title: str
    created: bool  # made for this request (so the request may discard it)
    processing: bool  # a transcode is already under way
    ready: bool


def movie_for_tmdb(tmdb_id: int) -> MovieModel | None:
    movie_id = importer.already_imported(tmdb_id)
    if movie_id is None:
        return None
    try:
        return get_movie(movie_id)
    except NotFound:
        return None


def provide_movie(tmdb_id: int, request_id: str, movie_id: str,
                  client: TmdbClient | None = None) -> RequestedMovie:
    """The catalog entry for the request: `movie_id` if an earlier attempt made it, the
    catalog's own copy of the TMDb movie if there is one, else a draft imported now."""
    try:
        movie, created = get_movie(movie_id), True
    except NotFound:
        existing = movie_for_tmdb(tmdb_id)
        if existing is not None:
            movie, created = existing, False
        else:
            movie = importer.import_movie(tmdb_id, client, movie_id, request_id)
            created = True
    if movie.request_id != request_id:
        movie.request_id = request_id
        save_and_reindex(movie)
    return RequestedMovie(movie.movie_id, movie.title, created,
                          processing=bool(movie.pending_version),
                          ready=movie.status == "ready" and bool(movie.current_version))


def poster_url(movie_id: str) -> str | None:
    """An absolute, non-expiring URL of the movie's poster (or thumbnail), for e-mails."""
    try:
        movie = get_movie(movie_id)
    except NotFound:
        return None
    kind = "poster" if movie.poster_url else "thumbnail"
    return image_url(get_settings(), movie_id, kind, movie.poster_url or movie.thumbnail_url)


def discard_requested_draft(movie_id: str, request_id: str) -> bool:
    """Delete a movie made for a request that failed, unless something else uses it now."""
    try:
        movie = get_movie(movie_id)
    except NotFound:
        return False
    if movie.request_id != request_id or movie.current_version or movie.pending_version:
        return False
    service.delete_movie(movie_id)
    logger.info("discarded the draft of a failed request",
                extra={"movie_id": movie_id, "request_id": request_id})
    return True
