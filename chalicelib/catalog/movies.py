"""Movies: admin create/edit/delete, the shapes clients read, and status changes."""

from __future__ import annotations

import re
import uuid
from typing import Any

from pynamodb.exceptions import DoesNotExist, UpdateError

from chalicelib.catalog import numbers, tracks
from chalicelib.catalog.inputs import CastEntry, MovieEdit, NewMovie
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
from chalicelib.catalog.shapes import (
    Card,
    Credit,
    GenreLabel,
    MovieDetail,
    TranscodeState,
    WatchlistCard,
)
from chalicelib.catalog.terms import TermKind, terms_by_id
from chalicelib.core.clock import now_iso
from chalicelib.core.dynamo import is_condition_failure
from chalicelib.core.errors import Conflict, NotFound
from chalicelib.core.settings import get_settings

DEFAULT_CATEGORY = "Uncategorized"
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


def _genres(ids: list[str] | None) -> list[GenreRef] | None:
    if ids is None:
        return None
    found = terms_by_id(TermKind.GENRE, ids)
    return [genre_ref(i, found[i].name) for i in ids]


def _cast(entries: list[CastEntry] | None) -> list[CastMember] | None:
    if entries is None:
        return None
    artists = terms_by_id(TermKind.ARTIST, [entry.artist_id for entry in entries])
    return [cast_member(entry.artist_id, artists[entry.artist_id].name, entry.role or "actor",
                        entry.character if (entry.role or "actor") == "actor" else None)
            for entry in entries]


def _rating(code: str | None) -> str | None:
    if code is not None:
        terms_by_id(TermKind.RATING, [code.upper()])
        return code.upper()
    return None


def _apply(movie: MovieModel, edit: MovieEdit) -> None:
    """Copy every field the edit sets onto the movie; terms it names must exist."""
    simple = {
        "title": edit.title, "description": edit.description, "category": edit.category,
        "content_type": edit.content_type, "release_year": edit.release_year,
        "duration": edit.duration, "poster_url": edit.poster_url,
        "backdrop_url": edit.backdrop_url, "thumbnail_url": edit.thumbnail_url,
        "genres": _genres(edit.genres), "cast": _cast(edit.cast),
        "maturity_rating": _rating(edit.maturity_rating),
    }
    for name, value in simple.items():
        if value is not None:
            setattr(movie, name, value)
    if not movie.category:
        movie.category = movie.genres[0].name if movie.genres else DEFAULT_CATEGORY


def create_movie(new: NewMovie, *, movie_id: str | None = None,
                 status: str = "draft", stored: dict[str, str] | None = None) -> MovieModel:
    """A new movie from admin input (its `status` is not read: a movie starts as `status`);
    `stored` sets trusted fields as they are (an import's tmdb_id and the media-bucket keys
    of its images)."""
    stamp = now_iso()
    movie = MovieModel(movie_id or uuid.uuid4().hex, title="", category="", status=status,
                       created_at=stamp, updated_at=stamp)
    _apply(movie, new)
    # Taken once the input is valid; a put that fails after leaves a gap, never a repeat.
    movie.number = numbers.next_movie_number()
    for name, value in (stored or {}).items():
        setattr(movie, name, value)
    movie.facets = facets_of(movie)
    movie.save(condition=MovieModel.movie_id.does_not_exist())
    write_listing(movie, set())
    return movie


def update_movie(ref: str, edit: MovieEdit) -> MovieModel:
    movie = find_movie(ref)
    if edit.status is not None:
        movie.status = edit.status
    _apply(movie, edit)
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


def card_shape(item: ListingModel | MovieModel) -> Card:
    return Card(**_card_fields(item))


def _card_fields(item: ListingModel | MovieModel) -> dict[str, Any]:
    settings = get_settings()
    if isinstance(item, ListingModel):
        thumbnail, rating = item.thumbnail_url, float(item.rating)
    else:
        thumbnail, rating = item.thumbnail_url or item.poster_url, average_rating(item)
    # How far the encode of a playable movie has got (cards: to the whole percent).
    progress = float(item.progress or 0) if item.status == PLAYABLE else None
    return {
        "id": numbers.number_of(item), "movie_id": item.movie_id,
        "created_at": item.created_at, "title": item.title, "description": item.description,
        "thumbnail_url": image_url(settings, item.movie_id, "thumbnail", thumbnail)
        or api_image_url(settings, item.movie_id, "thumbnail"),
        "category": item.category or DEFAULT_CATEGORY, "content_type": item.content_type,
        "genres": [GenreLabel(id=g.genre_id, name=g.name) for g in item.genres],
        "maturity_rating": item.maturity_rating, "duration": item.duration,
        "rating": rating, "rating_count": int(item.rating_count),
        "status": item.status, "progress": progress,
    }


def watchlist_card(movie: MovieModel, added_at: str) -> WatchlistCard:
    return WatchlistCard(**_card_fields(movie), added_at=added_at)


def detail_shape(movie: MovieModel) -> MovieDetail:
    settings = get_settings()
    return MovieDetail(
        **_card_fields(movie),
        release_year=None if movie.release_year is None else int(movie.release_year),
        poster_url=image_url(settings, movie.movie_id, "poster", movie.poster_url),
        backdrop_url=image_url(settings, movie.movie_id, "backdrop", movie.backdrop_url),
        cast=[Credit(artist_id=m.artist_id, name=m.name, role=m.role, character=m.character)
              for m in movie.cast],
        renditions=sorted(int(r.height) for r in movie.renditions),
        transcode=_transcode_state(movie), updated_at=movie.updated_at, tmdb_id=movie.tmdb_id,
        subtitles=tracks.viewer_subtitles(movie), audio_tracks=tracks.viewer_audio(movie),
    )


def _transcode_state(movie: MovieModel) -> TranscodeState | None:
    """The version under way: `processing`, or `playable` once it plays (a replacement
    plays the ready version until then); `reason` says why an attempt was retried."""
    if movie.pending_version:
        playing = movie.current_version == movie.pending_version
        return TranscodeState(state=PLAYABLE if playing else "processing",
                              version=movie.pending_version,
                              progress=float(movie.progress or 0),
                              reason=movie.status_reason or None)
    if movie.status_reason:
        return TranscodeState(state="failed", reason=movie.status_reason)
    return None
