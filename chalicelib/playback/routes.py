"""Playback over HTTP: watch sessions, continue watching, and signed HLS delivery."""

from __future__ import annotations

from typing import Any

from chalice.app import Response

from chalicelib.auth.principal import authenticate
from chalicelib.catalog.models import MovieModel
from chalicelib.catalog.transcoding import as_started, playable_movie
from chalicelib.core.errors import Gone
from chalicelib.core.http import ApiBlueprint, json_body
from chalicelib.core.paging import page_request
from chalicelib.core.settings import get_settings
from chalicelib.playback import browser_playback, delivery, service, sessions
from chalicelib.playback.plans import plan_of_user

playback_routes = ApiBlueprint(__name__)
M3U8 = {"Content-Type": "application/vnd.apple.mpegurl", "Cache-Control": "private, no-store"}


def _body() -> dict[str, Any]:
    return json_body(playback_routes.current_request)


@playback_routes.route("/api/playback/start", methods=["POST"])
def start() -> Response:
    user = authenticate(playback_routes.current_request)
    started = service.start_playback(user.user_id, _body())
    settings = get_settings()
    return Response(status_code=201, body={
        "watch_session_id": started.session.session_id,
        "master_playlist_url": started.master_playlist_url,
        "lease_expires_at": started.session.lease_expires_at,
        "heartbeat_interval": settings.heartbeat_seconds,
        "resume_position": started.resume_position,
    })


@playback_routes.route("/api/playback/heartbeat", methods=["POST"])
def heartbeat() -> dict[str, Any]:
    user = authenticate(playback_routes.current_request, count=False)
    session = service.heartbeat(user.user_id, _body())
    return {"watch_session_id": session.session_id,
            "lease_expires_at": session.lease_expires_at,
            "heartbeat_interval": get_settings().heartbeat_seconds}


@playback_routes.route("/api/playback/stop", methods=["POST"])
def stop() -> dict[str, Any]:
    user = authenticate(playback_routes.current_request)
    service.stop_playback(user.user_id, _body())
    return {"detail": "Playback stopped; the position is saved."}


@playback_routes.route("/api/playback/active", methods=["GET"])
def active() -> list[dict[str, Any]]:
    return service.active_sessions(authenticate(playback_routes.current_request).user_id)


@playback_routes.route("/api/continue-watching", methods=["GET"])
def continue_watching() -> list[dict[str, Any]]:
    user = authenticate(playback_routes.current_request)
    paging = page_request(dict(playback_routes.current_request.query_params or {}))
    return service.continue_watching(user.user_id, paging.limit)


# ---------------------------------------------------------------- delivery
def _viewer(movie_ref: str, *, count: bool = True) -> tuple[delivery.Viewer, MovieModel]:
    """Who fetches which movie. The caller is checked first (401 says nothing about which
    movies exist); then the movie is resolved, since the path may name it by an alias, and
    its own id is what the token and the sessions are checked against. A playback token's
    session must still hold its slot; a signed-in user without one (cookie or Bearer) is a
    client holding an implicit session (browser_playback.py; see `_hold_stream`)."""
    request = playback_routes.current_request
    params = request.query_params
    token = params.get("token") if params else None
    settings = get_settings()
    if token:
        claims = delivery.playback_claims(settings, token)
        movie = as_started(playable_movie(movie_ref), claims.extra.get("ver"))
        viewer = delivery.token_viewer(claims, token, movie)
        if viewer.session_id and not sessions.holds_slot(viewer.user_id, viewer.session_id):
            raise Gone("This watch session has ended; start playback again.")
        return viewer, movie
    user = authenticate(request, count=count)
    movie = playable_movie(movie_ref)
    plan = plan_of_user(user.user_id)
    client = browser_playback.browser_client(user.user_id, request.headers.get("user-agent"),
                                             plan)
    return delivery.Viewer(user.user_id, plan.max_resolution, None, None, client,
                           via_cookie=user.via_cookie), movie


def _hold_stream(viewer: delivery.Viewer, movie: MovieModel) -> None:
    """Every way to a playlist or a segment holds a stream slot: a token's session holds
    one already; a client without a token claims or renews its implicit session (409
    StreamLimitReached when the plan's slots are all held by others)."""
    if viewer.client is not None:
        browser_playback.keep_watching(viewer.client, movie.movie_id)


@playback_routes.route("/api/video/{movie_id}/master.m3u8", methods=["GET"])
def master(movie_id: str) -> Response:
    viewer, movie = _viewer(movie_id)
    text = delivery.master_playlist(get_settings(), movie, viewer)
    _hold_stream(viewer, movie)
    return Response(body=text, status_code=200, headers=dict(M3U8))


@playback_routes.route("/api/video/{movie_id}/{resolution}/index.m3u8", methods=["GET"])
def rendition(movie_id: str, resolution: str) -> Response:
    """One rendition as a player can play it (the Videoflix path): with the audio in a
    rendition of its own, a master of this one stream and the audio group; without, the
    media playlist itself."""
    viewer, movie = _viewer(movie_id)
    if not movie.has_audio or resolution == "audio":
        return _media_playlist(viewer, movie, resolution)
    delivery.find_rendition(movie, resolution, viewer)  # 403 above the plan, 404 if absent
    _hold_stream(viewer, movie)
    text = delivery.master_playlist(get_settings(), movie, viewer, only=resolution)
    return Response(body=text, status_code=200, headers=dict(M3U8))


@playback_routes.route("/api/video/{movie_id}/{resolution}/media.m3u8", methods=["GET"])
def media_playlist(movie_id: str, resolution: str) -> Response:
    return _media_playlist(*_viewer(movie_id), resolution)


def _media_playlist(viewer: delivery.Viewer, movie: MovieModel, resolution: str) -> Response:
    settings = get_settings()
    key, _ = delivery.find_rendition(movie, resolution, viewer)
    _hold_stream(viewer, movie)
    if viewer.via_cookie:
        text = browser_playback.media_playlist(settings, movie, key)
    else:
        text = delivery.media_playlist(settings, movie, key)
    return Response(body=text, status_code=200, headers=dict(M3U8))


@playback_routes.route("/api/video/{movie_id}/{resolution}/{segment}", methods=["GET"])
def segment(movie_id: str, resolution: str, segment: str) -> Response:
    return _segment(movie_id, resolution, segment)


@playback_routes.route("/api/video/{movie_id}/{resolution}/index.m3u8/{segment}",
                       methods=["GET"])
def segment_beside_playlist(movie_id: str, resolution: str, segment: str) -> Response:
    """A segment as a player resolves its name against `.../index.m3u8/` (a playlist URL
    written with the trailing slash the other Videoflix paths have)."""
    return _segment(movie_id, resolution, segment)


def _segment(movie_id: str, resolution: str, name: str) -> Response:
    # Not counted against the per-minute limit: a player fetches one every few seconds
    # and a burst at the start; counting them would throttle playback itself.
    (viewer, movie), settings = _viewer(movie_id, count=False), get_settings()
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


@playback_routes.route("/api/video/{movie_id}/thumbnails.vtt", methods=["GET"])
def trickplay(movie_id: str) -> Response:
    # Sprites, not a stream: no slot is claimed for them.
    _, movie = _viewer(movie_id)
    text = delivery.trickplay_track(get_settings(), movie)
    return Response(body=text, status_code=200,
                    headers={"Content-Type": "text/vtt", "Cache-Control": "private, no-store"})
