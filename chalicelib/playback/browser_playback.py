"""Playback without a watch session: the Videoflix contract.

A browser SPA signed in by cookie (hls.js with `withCredentials`) loads
`/api/video/{id}/{resolution}/index.m3u8` and the segments it names, and never starts a
watch session; a client signed in by Bearer may fetch the playlists without a playback
token too. So each such request holds a session for it: an implicit session per user and
client (its User-Agent), in the same stream slots as the sessions
`POST /api/playback/start/` begins, claimed by the first request and renewed by every
later one (routes.py: every playlist and segment route). A client that stops fetching
frees its slot when the lease runs out. Without this, a token-less fetch would be a
stream that no limit counts.

For a cookie player, segments come through the API (`proxy`) or as presigned storage URLs
in the playlist (`presigned`), as REELSTACK_COOKIE_SEGMENT_DELIVERY says. A redirect from
the API to storage cannot serve such a player: a browser that follows a cross-origin
redirect sends `Origin: null`, which no credentialed CORS rule may allow. A Bearer client
gets signed URLs, as a token player does.

Such a session is pinned to the movie's version it plays, kept on its slot: while a
replacement is only playable, its next requests still get the version it started on, as a
token's `ver` does (`catalog.playable.playable_movie`). One Query of the user's slots per
request serves both that lookup and the renewal (`FetchingClient`).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from functools import cached_property

from chalicelib.catalog.playable import PlayableMovie
from chalicelib.core.errors import Conflict, Gone, NotFound
from chalicelib.core.settings import Settings
from chalicelib.playback import delivery, sessions
from chalicelib.playback.delivery import BrowserClient, SegmentFile
from chalicelib.playback.models import StreamSlotModel
from chalicelib.playback.plans import Plan
from chalicelib.playback.sessions import Clock, WatchSession

PROXY = "proxy"


@dataclass(frozen=True)
class FetchingClient(BrowserClient):
    """A client as one of its requests finds it. Its user's slots are read at most once
    for the request: to tell the version its session plays, which only a replacement under
    way asks, and to renew or claim that session (`live_slots`)."""

    clock: Clock = time.time

    @cached_property
    def _slots(self) -> tuple[float, list[StreamSlotModel]]:
        """When the slots were read, and what they were (read on first use)."""
        return self.clock(), sessions.slots_of(self.user_id)

    def live_slots(self) -> list[StreamSlotModel]:
        now, slots = self._slots
        return [s for s in slots if sessions.is_live(s, now)]

    def version_playing(self, movie_id: str) -> str | None:
        """The version of the movie that this client's session on it plays: its live one,
        or the one it left when its lease ran out (a player paused a while goes on with the
        film it was watching). By the movie's own id, never an alias: versions of different
        movies may be spelled alike."""
        now, slots = self._slots
        mine = [s for s in slots if s.device_id == self.client_id and s.movie_id == movie_id]
        latest = max(mine, key=lambda s: (sessions.is_live(s, now), s.heartbeat_at),
                     default=None)
        return None if latest is None else latest.version


def browser_client(user_id: str, user_agent: str | None, plan: Plan,
                   clock: Clock = time.time) -> FetchingClient:
    """The browser as its implicit session's device: its User-Agent, hashed to fit a key."""
    digest = hashlib.sha256((user_agent or "").encode()).hexdigest()[:16]
    return FetchingClient(user_id, f"browser-{digest}", plan, clock)


def keep_watching(browser: BrowserClient, movie_id: str, clock: Clock = time.time, *,
                  version: str | None = None) -> WatchSession:
    """The browser's implicit session on the movie, renewed, or claimed in a free slot (or
    its own, when it switches movies); 409 StreamLimitReached when others hold them all.
    `version`: the movie's version the request was served, kept on the slot."""
    seen = browser.live_slots() if isinstance(browser, FetchingClient) else None
    try:
        return _renew_or_claim(browser, movie_id, clock, version, seen)
    except (Gone, NotFound, Conflict):
        # Requests of one browser may race (two tabs, a player's retry): another may have
        # claimed the slot, or taken it over for a new session, meanwhile. Look again.
        return _renew_or_claim(browser, movie_id, clock, version, None)


def _renew_or_claim(browser: BrowserClient, movie_id: str, clock: Clock, version: str | None,
                    seen: list[StreamSlotModel] | None) -> WatchSession:
    user_id = browser.user_id
    live = sessions.live_slots(user_id, clock()) if seen is None else seen
    mine = next((s for s in live if s.device_id == browser.client_id
                 and s.movie_id == movie_id), None)
    if mine is not None:
        return sessions.renew_device_lease(user_id, mine.slot, browser.client_id, movie_id,
                                           clock=clock, version=version)
    return sessions.start(user_id, movie_id, browser.client_id, browser.plan, 0.0,
                          version=version, live=live, clock=clock)


def media_playlist(settings: Settings, movie: PlayableMovie, playlist_key: str) -> str:
    """The media playlist as a cookie player gets it."""
    if settings.cookie_segment_delivery == PROXY:
        return delivery.relative_media_playlist(settings, playlist_key)
    return delivery.media_playlist(settings, movie, playlist_key)


def segment(settings: Settings, movie: PlayableMovie, playlist_key: str,
            name: str) -> SegmentFile | str:
    """A segment as a cookie player gets it: its bytes (proxy) or a presigned URL."""
    if settings.cookie_segment_delivery == PROXY:
        return delivery.segment_file(settings, playlist_key, name)
    return delivery.segment_url(settings, movie, playlist_key, name)
