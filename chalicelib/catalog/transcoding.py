"""The catalog's side of transcoding: the transcode context reports, the catalog records.

A movie plays its `current_version`; a new upload becomes its `pending_version`. The
transcoder publishes while it encodes, and says so with a `playable` event once every
rendition and the audio have their first segment: from then on clients play the pending
version (its playlists grow until the `ready` event ends them) and the movie shows
`playable`, with its progress, until it is `ready`. So a movie goes `processing`,
`playable`, `ready` (or `failed`).

Replacing a ready video never interrupts playback: the ready version plays (the movie
still shows `ready`, the detail's `transcode` says `processing`) until the new one is
playable; then the new one plays and the movie shows `playable`, while the old one is
kept (`previous_ready`, its files untouched: viewers may still be on it) until the new
one is ready, when its files go. If the playable version fails, or is retried (a retry
deletes its files), clients go back to the kept ready version, or, with none, the movie
leaves the viewers' list with the reason (`processing` while retried, else `failed`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TypeVar

from pynamodb.constants import ALL_OLD
from pynamodb.exceptions import PutError, UpdateError

from chalicelib.catalog import tracks
from chalicelib.catalog.inputs import NewMovie
from chalicelib.catalog.listing import PLAYABLE, show_progress
from chalicelib.catalog.media import version_prefix
from chalicelib.catalog.models import MovieModel, ReadyVersion, Rendition, rendition
from chalicelib.catalog.movies import (
    create_movie,
    get_movie,
    refresh_cards,
    save_and_reindex,
)
from chalicelib.catalog.published import PlayableMedia, ReadyMedia
from chalicelib.core.dynamo import is_condition_failure
from chalicelib.core.errors import Conflict, NotFound

T = TypeVar("T")
EDIT_TRIES = 3


@dataclass(frozen=True)
class PublishedVersion:
    previous_version: str | None  # superseded: its files can go
    request_id: str | None  # the movie request this fulfils


def title_from_filename(filename: str) -> str:
    stem = PurePosixPath(filename).stem
    words = stem.replace("_", " ").replace(".", " ").replace("-", " ").split()
    return " ".join(words).strip()[:300] or "Untitled upload"


def draft_for_upload(filename: str, movie_id: str) -> str:
    """The draft movie `movie_id` for an upload that names no movie, made once: the id
    comes from the upload, so a retried or redelivered upload event finds its draft."""
    try:
        create_movie(NewMovie(title=title_from_filename(filename)), movie_id=movie_id)
    except PutError as error:
        if not is_condition_failure(error):
            raise
        refresh_cards(movie_id)  # the first try may have stopped before listing it
    return movie_id


def movie_exists(movie_id: str) -> bool:
    try:
        get_movie(movie_id)
    except NotFound:
        return False
    return True


def _edited(movie_id: str, change: Callable[[MovieModel], T]) -> T:
    """Read the movie and apply `change` (which saves it); read and apply again when the
    save meets an edit made meanwhile (an admin's, another event's): the job has settled
    by the time its event reaches the catalog, so a redelivery would not get here."""
    for _ in range(EDIT_TRIES - 1):
        try:
            return change(get_movie(movie_id))
        except Conflict:
            continue
    return change(get_movie(movie_id))


def begin_version(movie_id: str, version: str, source_key: str) -> None:
    _edited(movie_id, lambda movie: _begin(movie, version, source_key))


def _begin(movie: MovieModel, version: str, source_key: str) -> None:
    if movie.pending_version and movie.current_version == movie.pending_version:
        _withdraw(movie)  # a newer upload supersedes the playable one: its job is discarded
    movie.pending_version, movie.pending_attempt = version, 1
    movie.progress, movie.status_reason = 0, None
    movie.source_key = source_key
    if not movie.current_version:
        movie.status = "processing"
    save_and_reindex(movie)


def record_progress(movie_id: str, version: str, percent: float) -> None:
    percent = round(min(max(percent, 0.0), 100.0), 1)
    try:
        # The movie as it was: its cards change only when the whole percent does.
        before = MovieModel._get_connection().update_item(
            movie_id, actions=[MovieModel.progress.set(percent)],
            condition=MovieModel.pending_version == version, return_values=ALL_OLD,
        ).get("Attributes")
    except UpdateError as error:
        if not is_condition_failure(error):
            raise
        return  # a stale version's progress is simply dropped
    movie = MovieModel.from_raw_data(before) if before else None
    if movie is not None and movie.status == PLAYABLE \
            and math.floor(movie.progress or 0) != math.floor(percent):
        show_progress(movie, percent)


def show_playable(movie_id: str, version: str, attempt: int, playable: PlayableMedia) -> bool:
    """Let clients play `version` while it is still being encoded (its playlists grow
    until the ready event). A ready version it replaces is kept (`previous_ready`): its
    viewers may still be on it, and it comes back if this one fails. False when the event
    is stale or told already. Its tracks come with the ready event."""
    return _edited(movie_id, lambda movie: _show(movie, version, attempt, playable))


def _show(movie: MovieModel, version: str, attempt: int, playable: PlayableMedia) -> bool:
    if movie.pending_version != version or int(movie.pending_attempt or 1) != attempt \
            or movie.current_version == version:
        return False
    if movie.status == "ready" and movie.current_version and movie.master_playlist_key:
        movie.previous_ready = _kept(movie)
    movie.current_version, movie.status, movie.status_reason = version, PLAYABLE, None
    movie.trickplay_vtt_key = None  # sprites come with the ready event
    _take_media(movie, playable)
    save_and_reindex(movie)
    return True


def publish_version(movie_id: str, version: str, ready: ReadyMedia) -> PublishedVersion:
    """Make `version` the one clients play, complete; it must still be the pending one."""
    published = _edited(movie_id, lambda movie: _publish(movie, version, ready))
    tracks.record_published(movie_id, version, ready)
    return published


def _publish(movie: MovieModel, version: str, ready: ReadyMedia) -> PublishedVersion:
    movie_id = movie.movie_id
    if movie.pending_version != version:
        raise NotFound(f"Version {version} of {movie_id} is no longer wanted.")
    if movie.previous_ready is not None:  # it played while this one was playable
        previous: str | None = str(movie.previous_ready.version)
    else:
        previous = movie.current_version if movie.current_version != version else None
    movie.current_version, movie.pending_version, movie.pending_attempt = version, None, None
    movie.previous_ready = None
    movie.status, movie.status_reason, movie.progress = "ready", None, 100
    movie.trickplay_vtt_key = ready.vtt_key
    _take_media(movie, ready)
    save_and_reindex(movie)
    return PublishedVersion(previous, movie.request_id)


def _take_media(movie: MovieModel, media: PlayableMedia) -> None:
    """The playlists, renditions and figures a playable or ready version reports."""
    movie.master_playlist_key = media.master_playlist_key
    movie.thumbnail_url = media.thumbnail_key or movie.thumbnail_url
    movie.has_audio = media.audio
    movie.duration = max(1, round(media.duration))
    movie.renditions = [
        rendition(name=r.name, height=r.height, width=r.width, bandwidth=r.bandwidth,
                  codecs=r.codecs, playlist_key=r.playlist_key, bytes=r.bytes)
        for r in media.renditions
    ]


def restart_version(movie_id: str, version: str, attempt: int, reason: str) -> None:
    """Attempt `attempt` of `version` starts over in the same place, once the files of the
    one before are deleted: if that one was playable, viewers go back to the previous
    ready version, or the movie leaves the list with the reason, until this one is."""
    _edited(movie_id, lambda movie: _restart(movie, version, attempt, reason))


def _restart(movie: MovieModel, version: str, attempt: int, reason: str) -> None:
    if movie.pending_version != version:
        return
    if movie.current_version == version:
        _withdraw(movie)
    movie.pending_attempt, movie.progress, movie.status_reason = attempt, 0, reason[:500]
    save_and_reindex(movie)


def fail_version(movie_id: str, version: str, reason: str) -> str | None:
    """Record the failure (before its files go: a viewer of a playable version gets a
    clear refusal, not a playlist naming deleted segments); returns the movie request
    waiting for this movie, if any."""
    return _edited(movie_id, lambda movie: _fail(movie, version, reason))


def _fail(movie: MovieModel, version: str, reason: str) -> str | None:
    if movie.pending_version != version:
        return None
    if movie.current_version == version:
        _withdraw(movie)
    movie.pending_version, movie.pending_attempt = None, None
    movie.progress, movie.status_reason = None, reason[:500]
    if not movie.current_version:
        movie.status = "failed"  # with a ready older version the movie stays ready
    save_and_reindex(movie)
    return movie.request_id


def _kept(movie: MovieModel) -> ReadyVersion:
    return ReadyVersion(  # type: ignore[no-untyped-call]
        version=movie.current_version, master_playlist_key=movie.master_playlist_key,
        renditions=_copied(movie.renditions),
        trickplay_vtt_key=movie.trickplay_vtt_key, has_audio=movie.has_audio,
        duration=movie.duration, thumbnail_url=movie.thumbnail_url)


def _copied(renditions: list[Rendition]) -> list[Rendition]:
    return [rendition(**r.as_dict()) for r in renditions]  # type: ignore[no-untyped-call]


def _withdraw(movie: MovieModel) -> None:
    """Stop playing the playable (not ready) version: back to the ready one it replaced,
    or out of the viewers' list (`processing`) with nothing to play."""
    playable_prefix = version_prefix(movie.movie_id, str(movie.current_version))
    kept, movie.previous_ready = movie.previous_ready, None
    if kept is not None:
        movie.current_version, movie.status = kept.version, "ready"
        movie.master_playlist_key, movie.has_audio = kept.master_playlist_key, kept.has_audio
        movie.renditions = _copied(kept.renditions)
        movie.trickplay_vtt_key, movie.duration = kept.trickplay_vtt_key, kept.duration
        movie.thumbnail_url = kept.thumbnail_url
        return
    movie.current_version, movie.master_playlist_key, movie.has_audio = None, None, None
    movie.renditions, movie.trickplay_vtt_key, movie.status = [], None, "processing"
    if (movie.thumbnail_url or "").startswith(playable_prefix):
        movie.thumbnail_url = None  # its files are about to go


def request_of(movie_id: str) -> str | None:
    try:
        return get_movie(movie_id).request_id
    except NotFound:
        return None
