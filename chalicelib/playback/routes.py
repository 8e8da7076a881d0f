"""Playback over HTTP: watch sessions, continue watching, and signed HLS delivery."""

from __future__ import annotations

from chalice.app import Response

from chalicelib.auth.access import Access, Caller, PlaybackPass
from chalicelib.auth.principal import Principal
from chalicelib.catalog.playable import PlayableMovie, playable_movie
from chalicelib.core.contract import Detail
from chalicelib.core.errors import Gone
from chalicelib.core.http import ApiBlueprint
from chalicelib.core.paging import PageQuery
from chalicelib.core.settings import get_settings
from chalicelib.playback import browser_playback, delivery, service, sessions
from chalicelib.playback.inputs import StartPlayback, WatchPosition
from chalicelib.playback.plans import plan_of_user
from chalicelib.playback.shapes import (
    ActiveSession,
    ContinueWatchingCard,
    WatchSessionRenewed,
    WatchSessionStarted,
)

playback_routes = ApiBlueprint(__name__)
PLAYBACK, SEGMENT = Access.PLAYBACK, Access.PLAYBACK_UNCOUNTED
M3U8 = {"Content-Type": "application/vnd.apple.mpegurl", "Cache-Control": "private, no-store"}


@playback_routes.route("/api/playback/start", methods=["POST"], auth=Access.USER,
                       body=StartPlayback, response=WatchSessionStarted, status=201)
def start(caller: Principal, body: StartPlayback) -> WatchSessionStarted:
    """Start a watch session: a signed master playlist URL, and where to resume (409
    StreamLimitReached when the plan's streams are all in use)."""
    started = service.start_playback(caller.user_id, body)
    return WatchSessionStarted(
        watch_session_id=started.session.session_id,
        master_playlist_url=started.master_playlist_url,
        lease_expires_at=started.session.lease_expires_at,
        heartbeat_interval=get_settings().heartbeat_seconds,
        resume_position=started.resume_position)


@playback_routes.route("/api/playback/heartbeat", methods=["POST"],
                       auth=Access.USER_UNCOUNTED, body=WatchPosition,
                       response=WatchSessionRenewed)
def heartbeat(caller: Principal, body: WatchPosition) -> WatchSessionRenewed:
    """Keep the session's stream and save the position (429 when sooner than half the
    interval)."""
    session = service.heartbeat(caller.user_id, body)
    return WatchSessionRenewed(watch_session_id=session.session_id,
                               lease_expires_at=session.lease_expires_at,
                               heartbeat_interval=get_settings().heartbeat_seconds)


@playback_routes.route("/api/playback/stop", methods=["POST"], auth=Access.USER,
                       body=WatchPosition, response=Detail)
def stop(caller: Principal, body: WatchPosition) -> Detail:
    """End the session and save the position."""
    service.stop_playback(caller.user_id, body)
    return Detail(detail="Playback stopped; the position is saved.")


@playback_routes.route("/api/playback/active", methods=["GET"], auth=Access.USER,
                       response=list[ActiveSession])
def active(caller: Principal) -> list[ActiveSession]:
    """The account's watch sessions that hold a stream now."""
    return service.active_sessions(caller.user_id)


@playback_routes.route("/api/continue-watching", methods=["GET"], auth=Access.USER,
                       query=PageQuery, response=list[ContinueWatchingCard])
def continue_watching(caller: Principal, query: PageQuery) -> list[ContinueWatchingCard]:
    """Movies started and not finished, most recent first, with where to resume."""
    return service.continue_watching(caller.user_id, query.limit)


# ---------------------------------------------------------------- delivery
def _viewer(movie_ref: str, caller: Caller) -> tuple[delivery.Viewer, PlayableMovie]:
    """Who fetches which movie. The caller was admitted first (401 says nothing about which
    movies exist); then the movie is resolved, since the path may name it by an alias, and
    its own id is what the token and the sessions are checked against. A playback token's
    session must still hold its slot; a signed-in user without one (cookie or Bearer) is a
    client holding an implicit session (browser_playback.py; see `_hold_stream`). Either
    stays on the version it started on while a replacement is only playable."""
    if isinstance(caller, PlaybackPass):
        movie = playable_movie(movie_ref, caller.claims.extra.get("ver"))
        viewer = delivery.token_viewer(caller.claims, caller.token, movie)
        if viewer.session_id and not sessions.holds_slot(viewer.user_id, viewer.session_id):
            raise Gone("This watch session has ended; start playback again.")
        return viewer, movie
    plan = plan_of_user(caller.user_id)
    user_agent = playback_routes.current_request.headers.get("user-agent")
    client = browser_playback.browser_client(caller.user_id, user_agent, plan)
    movie = playable_movie(movie_ref, client.version_playing)
    return delivery.Viewer(caller.user_id, plan.max_resolution, None, None, client,
                           via_cookie=caller.via_cookie), movie


def _hold_stream(viewer: delivery.Viewer, movie: PlayableMovie) -> None:
    """Every way to a playlist or a segment holds a stream slot: a token's session holds
    one already; a client without a token claims or renews its implicit session (409
    StreamLimitReached when the plan's slots are all held by others), on the version it
    was just served."""
    if viewer.client is not None:
        browser_playback.keep_watching(viewer.client, movie.movie_id, version=movie.version)


@playback_routes.route("/api/video/{movie_id}/master.m3u8", methods=["GET"], auth=PLAYBACK)
def master(movie_id: str, caller: Caller) -> Response:
    """The master playlist (HLS): the renditions the caller's plan allows."""
    viewer, movie = _viewer(movie_id, caller)
    text = delivery.master_playlist(get_settings(), movie, viewer)
    _hold_stream(viewer, movie)
    return Response(body=text, status_code=200, headers=dict(M3U8))


@playback_routes.route("/api/video/{movie_id}/{resolution}/index.m3u8", methods=["GET"],
                       auth=PLAYBACK)
def rendition(movie_id: str, resolution: str, caller: Caller) -> Response:
    """One rendition as a player can play it (the Videoflix path): with the audio in a
    rendition of its own, a master of this one stream and the audio group; without, the
    media playlist itself."""
    viewer, movie = _viewer(movie_id, caller)
    if not movie.has_audio or resolution == "audio":
        return _media_playlist(viewer, movie, resolution)
    delivery.find_rendition(movie, resolution, viewer)  # 403 above the plan, 404 if absent
    _hold_stream(viewer, movie)
    text = delivery.master_playlist(get_settings(), movie, viewer, only=resolution)
    return Response(body=text, status_code=200, headers=dict(M3U8))


@playback_routes.route("/api/video/{movie_id}/{resolution}/media.m3u8", methods=["GET"],
                       auth=PLAYBACK)
def media_playlist(movie_id: str, resolution: str, caller: Caller) -> Response:
    """A rendition's media playlist (HLS)."""
    return _media_playlist(*_viewer(movie_id, caller), resolution)


def _media_playlist(viewer: delivery.Viewer, movie: PlayableMovie, resolution: str) -> Response:
    settings = get_settings()
    key, _ = delivery.find_rendition(movie, resolution, viewer)
    _hold_stream(viewer, movie)
    if viewer.via_cookie:
        text = browser_playback.media_playlist(settings, movie, key)
    else:
        text = delivery.media_playlist(settings, movie, key)
    return Response(body=text, status_code=200, headers=dict(M3U8))


# Segments are not counted against the per-minute limit: a player fetches one every few
# seconds and a burst at the start; counting them would throttle playback itself.
@playback_routes.route("/api/video/{movie_id}/{resolution}/{segment}", methods=["GET"],
                       auth=SEGMENT)
def segment(movie_id: str, resolution: str, segment: str, caller: Caller) -> Response:
    """A media segment: its bytes, or a redirect to a signed URL for them."""
    return _segment(movie_id, resolution, segment, caller)


@playback_routes.route("/api/video/{movie_id}/{resolution}/index.m3u8/{segment}",
                       methods=["GET"], auth=SEGMENT)
def segment_beside_playlist(movie_id: str, resolution: str, segment: str,
                            caller: Caller) -> Response:
    """A segment as a player resolves its name against `.../index.m3u8/` (a playlist URL
    written with the trailing slash the other Videoflix paths have)."""
    return _segment(movie_id, resolution, segment, caller)


@playback_routes.route("/api/video/{movie_id}/subtitles/{track}/media.m3u8", methods=["GET"],
                       auth=PLAYBACK)
def subtitle_playlist(movie_id: str, track: str, caller: Caller) -> Response:
    """A subtitle track's WebVTT media playlist (the master's SUBTITLES group names it)."""
    return _media_playlist(*_viewer(movie_id, caller), f"subtitles/{track}")


@playback_routes.route("/api/video/{movie_id}/subtitles/{track}/{segment}", methods=["GET"],
                       auth=SEGMENT)
def subtitle_segment(movie_id: str, track: str, segment: str, caller: Caller) -> Response:
    """A subtitle segment (WebVTT)."""
    return _segment(movie_id, f"subtitles/{track}", segment, caller)


def _segment(movie_id: str, resolution: str, name: str, caller: Caller) -> Response:
    (viewer, movie), settings = _viewer(movie_id, caller), get_settings()
    key, _ = delivery.find_rendition(movie, resolution, viewer)
    _hold_stream(viewer, movie)
    if viewer.via_cookie:
        served = browser_playback.segment(settings, movie, key, name)
    else:
        served = delivery.segment_url(settings, movie, key, name)
    if isinstance(served, str):
        return Response(body="", status_code=302, headers={"Location": served})
    return Response(body=served.body, status_code=200, headers={
        "Content-Type": served.content_type, "Cache-Control": "private, no-store"})


@playback_routes.route("/api/video/{movie_id}/thumbnails.vtt", methods=["GET"],
                       auth=PLAYBACK)
def trickplay(movie_id: str, caller: Caller) -> Response:
    """The trickplay track (WebVTT of sprite tiles) for scrubbing previews."""
    # Sprites, not a stream: no slot is claimed for them.
    _, movie = _viewer(movie_id, caller)
    text = delivery.trickplay_track(get_settings(), movie)
    return Response(body=text, status_code=200,
                    headers={"Content-Type": "text/vtt", "Cache-Control": "private, no-store"})
