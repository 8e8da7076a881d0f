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
"""

from __future__ import annotations

import hashlib
import time

from chalicelib.catalog.playable import PlayableMovie
from chalicelib.core.errors import Conflict, Gone, NotFound
from chalicelib.core.settings import Settings
from chalicelib.playback import delivery, sessions
from chalicelib.playback.delivery import BrowserClient, SegmentFile
from chalicelib.playback.plans import Plan
from chalicelib.playback.sessions import Clock, WatchSession

PROXY = "proxy"


def browser_client(user_id: str, user_agent: str | None, plan: Plan) -> BrowserClient:
    """The browser as its implicit session's device: its User-Agent, hashed to fit a key."""
    digest = hashlib.sha256((user_agent or "").encode()).hexdigest()[:16]
    return BrowserClient(user_id, f"browser-{digest}", plan)


def keep_watching(browser: BrowserClient, movie_id: str,
                  clock: Clock = time.time) -> WatchSession:
    """The browser's implicit session on the movie, renewed, or claimed in a free slot (or
    its own, when it switches movies); 409 StreamLimitReached when others hold them all."""
    try:
        return _renew_or_claim(browser, movie_id, clock)
    except (Gone, NotFound, Conflict):
        # Requests of one browser may race (two tabs, a player's retry): another may have
        # claimed the slot, or taken it over for a new session, meanwhile. Look again.
        return _renew_or_claim(browser, movie_id, clock)


def _renew_or_claim(browser: BrowserClient, movie_id: str, clock: Clock) -> WatchSession:
    user_id = browser.user_id
    live = sessions.live_slots(user_id, clock())
    mine = next((s for s in live if s.device_id == browser.client_id
                 and s.movie_id == movie_id), None)
    if mine is not None:
        return sessions.renew_device_lease(user_id, mine.slot, browser.client_id, movie_id,
                                           clock=clock)
    return sessions.start(user_id, movie_id, browser.client_id, browser.plan, 0.0, clock=clock)


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
