"""The catalog's side of transcoding: the transcode context reports, the catalog records.

A movie plays its `current_version`; a new upload becomes its `pending_version` and
replaces the current one only once it is complete, so replacing a video never interrupts
playback. A movie with no playable version shows `processing`, then `ready` or `failed`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from pynamodb.exceptions import PutError, UpdateError

from chalicelib.catalog.models import MovieModel, rendition
from chalicelib.catalog.movies import (
    create_movie,
    find_movie,
    get_movie,
    refresh_cards,
    save_and_reindex,
)
from chalicelib.core.dynamo import is_condition_failure
from chalicelib.core.errors import Conflict, NotFound


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
        create_movie({"title": title_from_filename(filename)}, movie_id=movie_id)
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


def begin_version(movie_id: str, version: str, source_key: str) -> None:
    movie = get_movie(movie_id)
    movie.pending_version, movie.progress, movie.status_reason = version, 0, None
    movie.source_key = source_key
    if not movie.current_version:
        movie.status = "processing"
    save_and_reindex(movie)


def record_progress(movie_id: str, version: str, percent: float) -> None:
    try:
        MovieModel(movie_id).update(
            actions=[MovieModel.progress.set(round(min(max(percent, 0.0), 100.0), 1))],
            condition=MovieModel.pending_version == version,
        )
    except UpdateError as error:
        if not is_condition_failure(error):
            raise  # a stale version's progress is simply dropped


def publish_version(movie_id: str, version: str, ready: dict[str, Any]) -> PublishedVersion:
    """Make `version` the one clients play; it must still be the pending one."""
    movie = get_movie(movie_id)
    if movie.pending_version != version:
        raise NotFound(f"Version {version} of {movie_id} is no longer wanted.")
    previous = movie.current_version
    movie.current_version, movie.pending_version = version, None
    movie.status, movie.status_reason, movie.progress = "ready", None, 100
    movie.master_playlist_key = str(ready["master_playlist_key"])
    movie.thumbnail_url = ready.get("thumbnail_key") or movie.thumbnail_url
    movie.trickplay_vtt_key = ready.get("vtt_key")
    movie.has_audio = bool(ready.get("audio"))
    movie.duration = max(1, round(float(ready.get("duration") or 0))) or movie.duration
    movie.renditions = [
        rendition(name=r.get("name"), height=int(r["height"]), width=r.get("width"),
                  bandwidth=r.get("bandwidth"), codecs=r.get("codecs"),
                  playlist_key=str(r["playlist_key"]), bytes=r.get("bytes"))
        for r in ready.get("renditions", [])
    ]
    save_and_reindex(movie)
    return PublishedVersion(previous if previous != version else None, movie.request_id)


def fail_version(movie_id: str, version: str, reason: str) -> str | None:
    """Record the failure; returns the movie request waiting for this movie, if any."""
    movie = get_movie(movie_id)
    if movie.pending_version != version:
        return None
    movie.pending_version, movie.progress, movie.status_reason = None, None, reason[:500]
    if not movie.current_version:
        movie.status = "failed"  # with a playable older version the movie stays ready
    save_and_reindex(movie)
    return movie.request_id


def request_of(movie_id: str) -> str | None:
    try:
        return get_movie(movie_id).request_id
    except NotFound:
        return None


def playable_movie(ref: str) -> MovieModel:
    """A movie that can be streamed now: ready, with a published version. `ref` is its
    movie_id or its number (the Videoflix id); use the returned `movie_id` from here on."""
    movie = find_movie(ref)
    if movie.status != "ready" or not movie.current_version or not movie.master_playlist_key:
        raise NotReady(f"{movie.title!r} cannot be played yet ({movie.status}).",
                       status=movie.status)
    return movie


class NotReady(Conflict):
    code = "MovieNotReady"
