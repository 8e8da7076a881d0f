"""The catalog's port for playback: a movie as a player needs it, read-only.

Other contexts (playback, watch parties) see a frozen `PlayableMovie`, never the catalog's
table: what they play (the version, its playlists, its rungs) and the little they show
(title, duration, maturity rating). `watchable_cards` is the batch lookup, as cards.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from chalicelib.catalog.listing import WATCHABLE
from chalicelib.catalog.models import MovieModel, ReadyVersion, Rendition
from chalicelib.catalog.movies import card_shape, find_movie
from chalicelib.catalog.shapes import Card
from chalicelib.core.errors import Conflict


class NotReady(Conflict):
    code = "MovieNotReady"


@dataclass(frozen=True)
class Rung:
    """One rendition of the version that plays: its name (`720p`), height and playlist."""

    name: str
    height: int
    playlist_key: str


@dataclass(frozen=True)
class PlayableMovie:
    movie_id: str
    title: str
    status: str  # `ready` or `playable` (still being encoded: playlists that grow)
    version: str  # the version that plays: the current one, or a session's started one
    master_playlist_key: str
    rungs: tuple[Rung, ...]
    has_audio: bool
    trickplay_vtt_key: str | None
    duration: float | None  # seconds
    maturity_rating: str | None

    @property
    def audio_playlist_key(self) -> str | None:
        if not self.has_audio:
            return None
        return f"{self.master_playlist_key.rsplit('/', 1)[0]}/audio/index.m3u8"


def playable_movie(ref: str, started_version: object | Callable[[str], object] = None
                   ) -> PlayableMovie:
    """A movie that can be streamed now: ready or playable, with a published version.
    `ref` is its movie_id or its number (the Videoflix id); use the returned `movie_id`
    from here on. Otherwise 409 MovieNotReady, with the reason when there is one (a
    playable version that failed).

    `started_version`: the version a watch session started on (its token's `ver`). While a
    replacement is only playable, the ready version it superseded keeps its files, and the
    session plays that one, so a player under way does not switch films when it switches
    rungs. Any other version, or none, is the movie as it is. It may be a function of the
    movie id that tells it, called only while a superseded version is kept: a session found
    by its movie (a client's implicit one), whose lookup it spares the other requests."""
    movie = find_movie(ref)
    if movie.status not in WATCHABLE or not movie.current_version \
            or not movie.master_playlist_key:
        reason = movie.status_reason
        because = f": {reason}" if reason else ""
        raise NotReady(f"{movie.title!r} cannot be played now ({movie.status}{because}).",
                       status=movie.status, reason=reason)
    kept = movie.previous_ready
    if kept is not None and callable(started_version):
        started_version = started_version(movie.movie_id)
    if isinstance(started_version, str) and started_version != movie.current_version \
            and kept is not None and kept.version == started_version:
        return _playable(movie, kept, kept.version)
    return _playable(movie, movie, movie.current_version)


def _playable(movie: MovieModel, published: MovieModel | ReadyVersion,
              version: str) -> PlayableMovie:
    """The movie as it plays `version`, whose files `published` names (the movie's
    current ones, or the ready version a replacement superseded)."""
    return PlayableMovie(
        movie_id=movie.movie_id, title=str(movie.title), status=str(movie.status),
        version=str(version), master_playlist_key=str(published.master_playlist_key),
        rungs=_rungs(published.renditions), has_audio=bool(published.has_audio),
        trickplay_vtt_key=published.trickplay_vtt_key, duration=movie.duration,
        maturity_rating=movie.maturity_rating)


def _rungs(renditions: Iterable[Rendition]) -> tuple[Rung, ...]:
    return tuple(Rung(name=str(r.name or f"{int(r.height)}p"), height=int(r.height),
                      playlist_key=str(r.playlist_key)) for r in renditions)


def watchable_cards(movie_ids: Iterable[str]) -> dict[str, Card]:
    """The cards (see `movies.card_shape`) of those of `movie_ids` viewers can watch now,
    by movie id, in one batched read; the others are simply absent."""
    wanted = list(dict.fromkeys(movie_ids))
    if not wanted:
        return {}
    return {movie.movie_id: card_shape(movie) for movie in MovieModel.batch_get(wanted)
            if movie.status in WATCHABLE}
