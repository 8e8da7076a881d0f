"""Movies: admin create/edit/delete, the shapes clients read, and status changes."""

from __future__ import annotations

import re
import uuid
from typing import Any

from pynamodb.exceptions import DoesNotExist, UpdateError

from chalicelib.catalog import numbers
from chalicelib.catalog.listing import (
    PLAYABLE,
    WATCHABLE,
    average_rating,
    delete_listing,
    facets_of,
    write_listing,
)
from chalicelib.catalog.media import (
    api_image_url,
    delete_prefix,
    image_url,
    media_prefix,
    upload_prefix,
)
from chalicelib.catalog.models import (
    CastMember,
    GenreRef,
    ListingModel,
    MovieModel,
    cast_member,
    genre_ref,
)
from chalicelib.catalog.terms import TermKind, terms_by_id
from chalicelib.core import validation
from chalicelib.core.clock import now_iso
from chalicelib.core.dynamo import is_condition_failure
from chalicelib.core.errors import Conflict, InvalidInput, NotFound
from chalicelib.core.settings import get_settings

CONTENT_TYPES = ("movie", "show")
STATUSES = ("draft", "processing", "ready", "failed")  # what an admin may set
ROLES = ("actor", "director", "writer", "producer", "composer", "creator")
DEFAULT_CATEGORY = "Uncategorized"
MAX_CAST = 60
# What a movie_id can be (uuid hex; any token of these): never the number counter's key.
MOVIE_ID = re.compile(r"[0-9A-Za-z_-]{1,64}")


def get_movie(movie_id: str) -> MovieModel:
    """The movie with this key, as the system names it (jobs, requests, events)."""
    try:
        return MovieModel.get(movie_id)
    except DoesNotExist:
        raise NotFound(f"No movie {movie_id!r}.") from None


def find_movie(ref: str) -> MovieModel:
    """The movie a client names in a path or a body: by its movie_id, or by its number
    (the Videoflix id). One read either way."""
    number = numbers.number_in(ref)
    if number is not None:
        return numbers.numbered_movie(number)
    if not MOVIE_ID.fullmatch(ref):
        raise NotFound(f"No movie {ref!r}.")  # the number counter's key among others
    return get_movie(ref)


def movie_key(ref: str) -> str:
    """The movie_id a client's reference stands for; reads only to look a number up."""
    return ref if numbers.number_in(ref) is None else numbers.numbered_movie(int(ref)).movie_id


def visible_movie(ref: str, *, admin: bool) -> MovieModel:
    """Users see ready and playable movies only; anything else is as absent as a missing
    one."""
    movie = find_movie(ref)
    if movie.status not in WATCHABLE and not admin:
        raise NotFound(f"No movie {ref!r}.")
    return movie


def _genres(body: dict[str, Any]) -> list[GenreRef] | None:
    ids = validation.string_list(body, "genres")
    if ids is None:
        return None
    found = terms_by_id(TermKind.GENRE, ids)
    return [genre_ref(i, found[i].name) for i in ids]


def _cast(body: dict[str, Any]) -> list[CastMember] | None:
    entries = body.get("cast")
    if entries is None:
        return None
    if not isinstance(entries, list) or len(entries) > MAX_CAST or not all(
        isinstance(e, dict) and isinstance(e.get("artist_id"), str) for e in entries
    ):
        raise InvalidInput(f"cast must be a list of at most {MAX_CAST} "
                           "{artist_id, role, character} objects.", field="cast")
    artists = terms_by_id(TermKind.ARTIST, [e["artist_id"] for e in entries])
    members = []
    for entry in entries:
        role = validation.choice(entry, "role", ROLES, default="actor") or "actor"
        character = validation.text(entry, "character", max_length=200)
        members.append(cast_member(entry["artist_id"], artists[entry["artist_id"]].name, role,
                                   character if role == "actor" else None))
    return members


def _rating(body: dict[str, Any]) -> str | None:
    code = validation.text(body, "maturity_rating", max_length=16)
    if code is not None:
        terms_by_id(TermKind.RATING, [code.upper()])
        return code.upper()
    return None


def _apply(movie: MovieModel, body: dict[str, Any]) -> None:
    """Copy every field present in `body` onto the movie, each validated."""
    simple = {
        "title": validation.text(body, "title", max_length=300),
        "description": validation.text(body, "description", max_length=5000, multiline=True),
        "category": validation.text(body, "category", max_length=80),
        "content_type": validation.choice(body, "content_type", CONTENT_TYPES),
        "release_year": validation.integer(body, "release_year", minimum=1870, maximum=2100),
        "duration": validation.integer(body, "duration", minimum=1, maximum=100 * 3600),
        "poster_url": validation.url(body, "poster_url"),
        "backdrop_url": validation.url(body, "backdrop_url"),
        "thumbnail_url": validation.url(body, "thumbnail_url"),
        "genres": _genres(body),
        "cast": _cast(body),
        "maturity_rating": _rating(body),
    }
    for name, value in simple.items():
        if value is not None:
            setattr(movie, name, value)
    if not movie.category:
        movie.category = movie.genres[0].name if movie.genres else DEFAULT_CATEGORY


def create_movie(body: dict[str, Any], *, movie_id: str | None = None,
                 status: str = "draft", stored: dict[str, str] | None = None) -> MovieModel:
    """A new movie from admin input; `stored` sets trusted fields as they are (an import's
    tmdb_id and the media-bucket keys of its images)."""
    validation.text(body, "title", required=True, max_length=300)
    stamp = now_iso()
    movie = MovieModel(movie_id or uuid.uuid4().hex, title="", category="", status=status,
                       created_at=stamp, updated_at=stamp)
    _apply(movie, body)
    # Taken once the input is valid; a put that fails after leaves a gap, never a repeat.
    movie.number = numbers.next_movie_number()
    for name, value in (stored or {}).items():
        setattr(movie, name, value)
    movie.facets = facets_of(movie)
    movie.save(condition=MovieModel.movie_id.does_not_exist())
    write_listing(movie, set())
    return movie


def update_movie(ref: str, body: dict[str, Any]) -> MovieModel:
    movie = find_movie(ref)
    if "status" in body:
        validation.choice(body, "status", STATUSES)
        movie.status = str(body["status"])
    _apply(movie, body)
    return save_and_reindex(movie)


def save_and_reindex(movie: MovieModel) -> MovieModel:
    previous, read_at = set(movie.facets or set()), movie.updated_at
    movie.facets = facets_of(movie)
    movie.updated_at = now_iso()
    try:
        # Refuse an edit based on a stale read; rating totals are ADDed, so keep those.
        movie.update(actions=_field_actions(movie), condition=MovieModel.updated_at == read_at)
    except UpdateError as error:
        if is_condition_failure(error):
            raise Conflict("The movie changed meanwhile: read it again and retry.") from None
        raise
    write_listing(movie, previous)
    return movie


def _field_actions(movie: MovieModel) -> list[Any]:
    edited = ("content_type", "title", "description", "category", "genres", "release_year",
              "duration", "maturity_rating", "cast", "poster_url", "backdrop_url",
              "thumbnail_url", "status", "status_reason", "renditions",
              "master_playlist_key", "trickplay_vtt_key", "has_audio", "source_key",
              "current_version", "pending_version", "pending_attempt", "previous_ready",
              "progress", "tmdb_id", "request_id", "facets",
              "updated_at")
    actions = []
    for name in edited:
        attribute, value = getattr(MovieModel, name), getattr(movie, name)
        actions.append(attribute.remove() if value is None else attribute.set(value))
    return actions


def refresh_cards(movie_id: str) -> None:
    """Re-read the movie and rewrite its cards (after a rating or a term rename)."""
    movie = get_movie(movie_id)
    write_listing(movie, set(movie.facets or set()))


def rename_term_in_movies(kind: TermKind, term_id: str, name: str) -> int:
    movie_ids = [item.movie_id for item in ListingModel.query(kind.facet(term_id))]
    for movie_id in movie_ids:
        movie = get_movie(movie_id)
        for genre in movie.genres if kind is TermKind.GENRE else []:
            if genre.genre_id == term_id:
                genre.name = name
        for member in movie.cast if kind is TermKind.ARTIST else []:
            if member.artist_id == term_id:
                member.name = name
        save_and_reindex(movie)
    return len(movie_ids)


def delete_movie(movie_id: str) -> None:
    """The movie, its files in both buckets and its listing cards. Reviews and watchlist
    entries are removed by the caller (`catalog.service.delete_movie`). Its number goes
    with it and is never given again."""
    movie = get_movie(movie_id)
    settings = get_settings()
    delete_prefix(settings.buckets.uploads, upload_prefix(movie_id))
    delete_prefix(settings.buckets.media, media_prefix(movie_id))
    delete_listing(movie)
    movie.delete()


def card_shape(item: ListingModel | MovieModel) -> dict[str, Any]:
    """The Videoflix list item (`id, created_at, title, description, thumbnail_url,
    category`) plus genres, maturity rating, duration and rating."""
    settings = get_settings()
    if isinstance(item, ListingModel):
        thumbnail, rating = item.thumbnail_url, float(item.rating)
    else:
        thumbnail, rating = item.thumbnail_url or item.poster_url, average_rating(item)
    # How far the encode of a playable movie has got (cards: to the whole percent).
    progress = float(item.progress or 0) if item.status == PLAYABLE else None
    return {
        # `id` goes into Videoflix click handlers unquoted: an integer. Native clients may
        # keep using `movie_id`; every path takes either.
        "id": numbers.number_of(item), "movie_id": item.movie_id,
        "created_at": item.created_at, "title": item.title, "description": item.description,
        # Both always set: Videoflix SPAs put them in an <img src> and a row heading.
        "thumbnail_url": image_url(settings, item.movie_id, "thumbnail", thumbnail)
        or api_image_url(settings, item.movie_id, "thumbnail"),
        "category": item.category or DEFAULT_CATEGORY, "content_type": item.content_type,
        "genres": [{"id": g.genre_id, "name": g.name} for g in item.genres],
        "maturity_rating": item.maturity_rating, "duration": item.duration,
        "rating": rating, "rating_count": int(item.rating_count),
        "status": item.status, "progress": progress,
    }


def detail_shape(movie: MovieModel) -> dict[str, Any]:
    settings = get_settings()
    return {
        **card_shape(movie),
        "release_year": movie.release_year, "status": movie.status,
        "poster_url": image_url(settings, movie.movie_id, "poster", movie.poster_url),
        "backdrop_url": image_url(settings, movie.movie_id, "backdrop", movie.backdrop_url),
        "cast": [{"artist_id": m.artist_id, "name": m.name, "role": m.role,
                  "character": m.character} for m in movie.cast],
        "renditions": sorted(int(r.height) for r in movie.renditions),
        "transcode": _transcode_state(movie),
        "updated_at": movie.updated_at, "tmdb_id": movie.tmdb_id,
    }


def _transcode_state(movie: MovieModel) -> dict[str, Any] | None:
    """The version under way: `processing`, or `playable` once it plays (a replacement
    plays the ready version until then); `reason` says why an attempt was retried."""
    if movie.pending_version:
        playing = movie.current_version == movie.pending_version
        return {"state": PLAYABLE if playing else "processing",
                "version": movie.pending_version, "progress": float(movie.progress or 0),
                **({"reason": movie.status_reason} if movie.status_reason else {})}
    if movie.status_reason:
        return {"state": "failed", "reason": movie.status_reason}
    return None
