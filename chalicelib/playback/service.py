"""Playback flows: start, heartbeat, stop, what is playing, and where to resume."""

from __future__ import annotations

import time
from dataclasses import dataclass

import msgspec

from chalicelib.catalog.playable import playable_movie, watchable_cards
from chalicelib.core.personal_data import on_account_deleted
from chalicelib.core.settings import get_settings
from chalicelib.playback import delivery, progress, sessions
from chalicelib.playback.devices import get_device
from chalicelib.playback.inputs import StartPlayback, WatchPosition
from chalicelib.playback.plans import plan_of_user
from chalicelib.playback.sessions import Clock
from chalicelib.playback.shapes import ActiveSession, ContinueWatchingCard


@dataclass(frozen=True)
class StartedPlayback:
    session: sessions.WatchSession
    master_playlist_url: str
    resume_position: float


def start_playback(user_id: str, start: StartPlayback, clock: Clock = time.time
                   ) -> StartedPlayback:
    device_id, steal, evict = start.device_id, start.steal, start.evict_session_id
    movie = playable_movie(start.movie_ref)  # the id, or an alias of it
    get_device(user_id, device_id)
    plan = plan_of_user(user_id)
    resume = progress.resume_position(user_id, movie.movie_id)
    session = sessions.start(user_id, movie.movie_id, device_id, plan, resume, steal=steal,
                             evict_session_id=evict, clock=clock)
    progress.begin_watching(user_id, movie.movie_id, movie.duration, resume)
    settings = get_settings()
    token = delivery.playback_token(settings, user_id, movie.movie_id, session.session_id,
                                    plan.max_resolution, version=movie.version)
    return StartedPlayback(session, delivery.master_playlist_url(settings, movie.movie_id,
                                                                 token), resume)


def heartbeat(user_id: str, at: WatchPosition, clock: Clock = time.time
              ) -> sessions.WatchSession:
    return sessions.heartbeat(user_id, at.watch_session_id, at.position, clock=clock)


def stop_playback(user_id: str, at: WatchPosition, clock: Clock = time.time) -> None:
    sessions.stop(user_id, at.watch_session_id, at.position, clock=clock)


def active_sessions(user_id: str, clock: Clock = time.time) -> list[ActiveSession]:
    return [ActiveSession(**sessions.public_session(s))
            for s in sessions.live_slots(user_id, clock())]


def continue_watching(user_id: str, limit: int) -> list[ContinueWatchingCard]:
    started = progress.continue_watching(user_id, limit)
    cards = watchable_cards(p.movie_id for p in started)
    return [ContinueWatchingCard(**msgspec.structs.asdict(cards[p.movie_id]),
                                 position=p.position, last_watched_at=p.updated_at)
            for p in started if p.movie_id in cards]


@on_account_deleted
def erase_playback_data(user_id: str) -> None:
    sessions.erase_sessions_of(user_id)
    progress.erase_progress_of(user_id)
