"""Signed HLS delivery from a private bucket.

The master playlist lists only the renditions the viewer's plan allows and points them at
the API; a media playlist comes back with every segment as a signed URL (presigned S3, or
CloudFront with a key group: see core/media_urls.py), or with bare file names that resolve
to the API's segment routes (browser players, see `browser_playback.py`). Playback tokens
(`typ` playback) bind the user, the movie and the watch session.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from botocore.exceptions import ClientError

from chalicelib.auth.jwt_tokens import Claims, TokenKind, issue, verify
from chalicelib.catalog.playable import PlayableMovie, Rung
from chalicelib.core.clients import s3
from chalicelib.core.errors import Forbidden, NotFound
from chalicelib.core.media_urls import media_urls
from chalicelib.core.settings import Settings
from chalicelib.playback.plans import Plan

TOKEN_MARGIN_SECONDS = 600
SEGMENT_URL_MARGIN_SECONDS = 1800
MAX_PRESIGN_SECONDS = 12 * 3600
SEGMENT_NAME = re.compile(r"^[A-Za-z0-9_.-]+\.(ts|m4s|mp4|aac|vtt|jpg)$")
SEGMENT_TYPES = {".ts": "video/mp2t", ".m4s": "video/mp4", ".mp4": "video/mp4",
                 ".aac": "audio/aac", ".vtt": "text/vtt", ".jpg": "image/jpeg"}
# Segment bodies API Gateway (and Chalice) must pass through as bytes.
BINARY_SEGMENT_TYPES = tuple(sorted({t for t in SEGMENT_TYPES.values()
                                     if not t.startswith("text/")}))
RESOLUTION = re.compile(r"RESOLUTION=(\d+)x(\d+)")
URI_ATTRIBUTE = re.compile(r'URI="([^"]+)"')
# Renditions beside the master besides the rungs and `audio` (docs/subtitles.md): the
# other audio streams (`audio_1`), 5.1 ones (`audio_0_6ch`), subtitle tracks
# (`subtitles/eng`, served by their own routes).
EXTRA_RENDITION = re.compile(r"audio_\d{1,2}(?:_6ch)?|subtitles/[A-Za-z0-9-]{1,40}")


@dataclass(frozen=True)
class Viewer:
    """Who fetches: a user, the tallest rendition they may have, and their session."""

    user_id: str
    max_height: int
    session_id: str | None
    token: str | None  # passed on to the playlists the master lists
    # Without a playback token: the client, which holds an implicit watch session
    # (browser_playback.py), and whether it signed in by cookie (a browser player, served
    # relative playlists) rather than by Bearer (served signed URLs, as token players are).
    client: BrowserClient | None = None
    via_cookie: bool = False


@dataclass(frozen=True)
class BrowserClient:
    """A user's player that fetches without a playback token: a browser signed in by
    cookie, or any client by Bearer. It holds an implicit watch session."""

    user_id: str
    client_id: str  # from its User-Agent
    plan: Plan


@dataclass(frozen=True)
class SegmentFile:
    body: bytes | str  # str for text types: Chalice sends only binary types' bytes as is
    content_type: str


def playback_token(settings: Settings, user_id: str, movie_id: str, session_id: str,
                   max_height: int, *, version: str | None = None) -> str:
    """`version`: the one the session started on (`ver`), which its playlists stay on
    while a replacement is only playable (`catalog.playable.playable_movie`)."""
    claims: dict[str, Any] = {"mid": movie_id, "sid": session_id, "res": max_height}
    if version:
        claims["ver"] = version
    token, _ = issue(settings, TokenKind.PLAYBACK, user_id,
                     settings.lease_seconds + TOKEN_MARGIN_SECONDS, **claims)
    return token


def playback_claims(settings: Settings, token: str) -> Claims:
    """A playback token's claims, verified (401 otherwise)."""
    return verify(settings, token, TokenKind.PLAYBACK)


def token_viewer(claims: Claims, token: str, movie: PlayableMovie) -> Viewer:
    """The viewer a verified playback token names, for `movie` (resolved from the path,
    which may name it by an alias): 403 when the token is for another movie."""
    if claims.extra.get("mid") != movie.movie_id:
        raise Forbidden("This playback token is for another movie.")
    return Viewer(claims.subject, int(claims.extra.get("res", 0)),
                  str(claims.extra.get("sid")), token)


def master_playlist_url(settings: Settings, movie_id: str, token: str) -> str:
    return f"{settings.public_api_url}/api/video/{movie_id}/master.m3u8?token={quote(token)}"


def _read(settings: Settings, key: str) -> str:
    try:
        body = s3().get_object(Bucket=settings.buckets.media, Key=key)["Body"]
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            raise NotFound("No such playlist.") from None
        raise
    return str(body.read().decode())


def _suffix(viewer: Viewer) -> str:
    return f"?token={quote(viewer.token)}" if viewer.token else ""


def master_playlist(settings: Settings, movie: PlayableMovie, viewer: Viewer,
                    only: str | None = None) -> str:
    """The stored master with the renditions above the viewer's plan left out (and all but
    `only`, for a player that asked for one rendition), every playlist named by its API
    URL."""
    base = f"{settings.public_api_url}/api/video/{movie.movie_id}"

    def api_url(uri: str) -> str:
        return f"{base}/{_folder(uri)}/media.m3u8{_suffix(viewer)}"

    kept: list[str] = []
    variant: str | None = None  # a stream's tags, waiting for the URI line after them
    allowed = 0
    for line in _read(settings, movie.master_playlist_key).splitlines():
        if line.startswith("#EXT-X-STREAM-INF"):
            variant = line
        elif variant is not None and line and not line.startswith("#"):
            size = RESOLUTION.search(variant)
            if ((size is None or int(size.group(2)) <= viewer.max_height)
                    and only in (None, _folder(line))):
                kept += [variant, api_url(line)]
                allowed += 1
            variant = None
        elif line.startswith(("#EXT-X-MEDIA", "#EXT-X-I-FRAME")):
            kept.append(URI_ATTRIBUTE.sub(lambda m: f'URI="{api_url(m.group(1))}"', line))
        else:
            kept.append(line)
    if not allowed:
        raise Forbidden("Your plan allows none of this movie's renditions.")
    return "\n".join(kept) + "\n"


def _folder(uri: str) -> str:
    return uri.split("?", 1)[0].rsplit("/", 1)[0] or uri


def find_rendition(movie: PlayableMovie, name: str, viewer: Viewer) -> tuple[str, Rung | None]:
    """The playlist key of `name` (`720p` or `audio`); 403 above the plan, 404 if absent."""
    if name == "audio" and movie.audio_playlist_key:
        return movie.audio_playlist_key, None
    if EXTRA_RENDITION.fullmatch(name):  # 404 when its playlist is read, if absent
        return f"{movie.master_playlist_key.rsplit('/', 1)[0]}/{name}/index.m3u8", None
    for rung in movie.rungs:
        if rung.name == name:
            if rung.height > viewer.max_height:
                raise Forbidden(f"Your plan does not include {name}.")
            return rung.playlist_key, rung
    raise NotFound(f"No rendition {name!r}.")


def presign_seconds(settings: Settings, movie: PlayableMovie) -> int:
    """Segment URLs must outlive the lease and, for a VOD loaded once, the movie itself."""
    wanted = max(settings.lease_seconds, int(movie.duration or 0)) + SEGMENT_URL_MARGIN_SECONDS
    return min(wanted, MAX_PRESIGN_SECONDS)


def map_uris(playlist: str, uri: Callable[[str], str]) -> str:
    """The media playlist with each segment and init-segment URI replaced by `uri(it)`."""
    out = []
    for line in playlist.splitlines():
        if line.startswith("#EXT-X-MAP"):
            out.append(URI_ATTRIBUTE.sub(lambda m: f'URI="{uri(m.group(1))}"', line))
        elif line and not line.startswith("#"):
            out.append(uri(line))
        else:
            out.append(line)
    return "\n".join(out) + "\n"


def from_the_start(playlist: str) -> str:
    """An EVENT playlist (a version still being encoded, growing until #EXT-X-ENDLIST)
    starts at its beginning: players treat it as live, and would start near its end."""
    if "#EXT-X-PLAYLIST-TYPE:EVENT" not in playlist or "#EXT-X-START:" in playlist:
        return playlist
    first, _, rest = playlist.partition("\n")
    return f"{first}\n#EXT-X-START:TIME-OFFSET=0\n{rest}"


def media_playlist(settings: Settings, movie: PlayableMovie, playlist_key: str) -> str:
    folder = playlist_key.rsplit("/", 1)[0]
    signed = media_urls(settings).folder_urls(folder, presign_seconds(settings, movie))
    return map_uris(from_the_start(_read(settings, playlist_key)), signed)


def file_name(uri: str) -> str:
    return uri.split("?", 1)[0].rsplit("/", 1)[-1]


def relative_media_playlist(settings: Settings, playlist_key: str) -> str:
    """The media playlist with bare file names, which a player resolves against the
    playlist's own URL: to the API's segment routes, on the host the player already uses."""
    return map_uris(from_the_start(_read(settings, playlist_key)), file_name)


def _segment_key(settings: Settings, playlist_key: str, segment: str) -> str:
    """The storage key of a segment the playlist names; anything else is 404."""
    if not SEGMENT_NAME.match(segment):
        raise NotFound("No such segment.")
    playlist = _read(settings, playlist_key)
    listed = {line for line in playlist.splitlines() if line and not line.startswith("#")}
    listed |= {m.group(1) for m in URI_ATTRIBUTE.finditer(playlist)}
    if segment not in listed:
        raise NotFound("No such segment.")
    return f"{playlist_key.rsplit('/', 1)[0]}/{segment}"


def segment_url(settings: Settings, movie: PlayableMovie, playlist_key: str, segment: str) -> str:
    """A presigned URL for a segment the playlist names; anything else is 404."""
    return media_urls(settings).object_url(_segment_key(settings, playlist_key, segment),
                                           presign_seconds(settings, movie))


def segment_file(settings: Settings, playlist_key: str, segment: str) -> SegmentFile:
    """The bytes of a segment the playlist names, for the API to serve itself."""
    key = _segment_key(settings, playlist_key, segment)
    body = s3().get_object(Bucket=settings.buckets.media, Key=key)["Body"].read()
    content_type = SEGMENT_TYPES[f".{segment.rsplit('.', 1)[-1]}"]
    return SegmentFile(body.decode() if content_type.startswith("text/") else body,
                       content_type)


def trickplay_track(settings: Settings, movie: PlayableMovie) -> str:
    """The WebVTT thumbnail track with its sprite references signed."""
    if not movie.trickplay_vtt_key:
        raise NotFound("This movie has no thumbnail track.")
    folder = movie.trickplay_vtt_key.rsplit("/", 1)[0]
    sprite_url = media_urls(settings).folder_urls(folder, presign_seconds(settings, movie))
    signed: dict[str, str] = {}

    def sign(name: str) -> str:
        if name not in signed:
            signed[name] = sprite_url(name)
        return signed[name]

    out = []
    for line in _read(settings, movie.trickplay_vtt_key).splitlines():
        name, _, fragment = line.partition("#")
        signable = SEGMENT_NAME.match(name) and fragment.startswith("xywh=")
        out.append(f"{sign(name)}#{fragment}" if signable else line)
    return "\n".join(out) + "\n"
