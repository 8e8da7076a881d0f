"""Playback flows: start, heartbeat, stop, what is playing, and where to resume."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

from chalicelib.catalog.listing import WATCHABLE
from chalicelib.catalog.models import MovieModel
from chalicelib.catalog.movies import card_shape
from chalicelib.catalog.transcoding import playable_movie
from chalicelib.core.errors import InvalidInput
from chalicelib.core.personal_data import on_account_deleted
from chalicelib.core.settings import get_settings
from chalicelib.playback import delivery, progress, sessions
from chalicelib.playback.devices import get_device
from chalicelib.playback.plans import plan_of_user
from chalicelib.playback.sessions import Clock

MAX_POSITION_SECONDS = 7 * 86400  # longer than any movie; a movie's own end is checked too


@dataclass(frozen=True)
class StartedPlayback:
    session: sessions.WatchSession
    master_playlist_url: str
    resume_position: float


def _position(body: dict[str, Any]) -> float:
    """Seconds into the movie: a finite number from 0 up to a bound no movie reaches (the
    movie's own end is checked where the position is written). JSON parsers may hand over
    NaN, Infinity or integers of any size, so each is refused here."""
    value = body.get("position", 0)
    if (isinstance(value, bool) or not isinstance(value, (int, float))
            or (isinstance(value, float) and not math.isfinite(value))
            or not 0 <= value <= MAX_POSITION_SECONDS):
        raise InvalidInput("position must be a number of seconds from 0 to the end of the "
                           "movie.", field="position")
    return float(value)


def _text(body: dict[str, Any], field: str) -> str:
    value = body.get(field)
    if not isinstance(value, str) or not value:
        raise InvalidInput(f"{field} is required.", field=field)
    return value


def _movie_ref(body: dict[str, Any]) -> str:
    """The movie's id, or its number as Videoflix clients send it (a JSON integer)."""
    value = body.get("movie_id")
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return str(value)
    return _text(body, "movie_id")


def start_playback(user_id: str, body: dict[str, Any], clock: Clock = time.time
                   ) -> StartedPlayback:
    movie_id, device_id = _movie_ref(body), _text(body, "device_id")
    steal, evict = body.get("steal", False), body.get("evict_session_id")
    if not isinstance(steal, bool):
        raise InvalidInput("steal must be true or false.", field="steal")
    if evict is not None and not isinstance(evict, str):
        raise InvalidInput("evict_session_id must be a session id.", field="evict_session_id")
    movie = playable_movie(movie_id)  # the id, or an alias of it
    get_device(user_id, device_id)
    plan = plan_of_user(user_id)
    resume = progress.resume_position(user_id, movie.movie_id)
    session = sessions.start(user_id, movie.movie_id, device_id, plan, resume, steal=steal,
                             evict_session_id=evict, clock=clock)
    progress.begin_watching(user_id, movie.movie_id, movie.duration, resume)
    settings = get_settings()
    token = delivery.playback_token(settings, user_id, movie.movie_id, session.session_id,
                                    plan.max_resolution, version=movie.current_version)
    return StartedPlayback(session, delivery.master_playlist_url(settings, movie.movie_id,
                                                                 token), resume)


def heartbeat(user_id: str, body: dict[str, Any], clock: Clock = time.time
              ) -> sessions.WatchSession:
    return sessions.heartbeat(user_id, _text(body, "watch_session_id"), _position(body),
                              clock=clock)


def stop_playback(user_id: str, body: dict[str, Any], clock: Clock = time.time) -> None:
    sessions.stop(user_id, _text(body, "watch_session_id"), _position(body), clock=clock)


def active_sessions(user_id: str, clock: Clock = time.time) -> list[dict[str, Any]]:
    return [sessions.public_session(s) for s in sessions.live_slots(user_id, clock())]


def continue_watching(user_id: str, limit: int) -> list[dict[str, Any]]:
    started = progress.continue_watching(user_id, limit)
    movies = {m.movie_id: m for m in MovieModel.batch_get([p.movie_id for p in started])} \
        if started else {}
    return [{**card_shape(movies[p.movie_id]), "position": p.position,
             "last_watched_at": p.updated_at}
            for p in started if p.movie_id in movies and movies[p.movie_id].status in WATCHABLE]


@on_account_deleted
def erase_playback_data(user_id: str) -> None:
    sessions.erase_sessions_of(user_id)
    progress.erase_progress_of(user_id)
