"""The cookie contract of the SPA flow: HttpOnly tokens, the refresh one path-limited."""

from __future__ import annotations

from http.cookies import CookieError, SimpleCookie
from urllib.parse import urlparse

from chalicelib.core.settings import Settings

ACCESS_COOKIE = "access_token"
REFRESH_COOKIE = "refresh_token"
# The refresh cookie is sent only to the endpoints that use it, one cookie per path.
REFRESH_PATHS = ("/api/token/refresh", "/api/logout")


def read_cookie(header: str | None, name: str) -> str | None:
    if not header:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except CookieError:
        return None
    morsel = jar.get(name)
    return morsel.value if morsel and morsel.value else None


def _path(settings: Settings, path: str) -> str:
    # Behind an API Gateway stage (https://host/v1/...) every path carries its prefix.
    return urlparse(settings.public_api_url).path.rstrip("/") + path


def _cookie(settings: Settings, name: str, value: str, path: str, max_age: int) -> str:
    parts = [f"{name}={value}", f"Path={path}", f"Max-Age={max_age}", "HttpOnly", "SameSite=Lax"]
    if not settings.is_local:
        parts.append("Secure")
    return "; ".join(parts)


def session_cookies(settings: Settings, access: str, refresh: str | None) -> list[str]:
    # The access cookie outlives its token, as long as the session may: a browser then
    # still sends an expired token, and the API can answer TokenExpired (refresh and
    # retry) rather than "no credentials" (sign in).
    cookies = [_cookie(settings, ACCESS_COOKIE, access, _path(settings, "/"),
                       settings.refresh_token_seconds)]
    if refresh is not None:
        cookies += [_cookie(settings, REFRESH_COOKIE, refresh, _path(settings, path),
                            settings.refresh_token_seconds) for path in REFRESH_PATHS]
    return cookies


def cleared_cookies(settings: Settings) -> list[str]:
    return [_cookie(settings, ACCESS_COOKIE, "", _path(settings, "/"), 0)] + [
        _cookie(settings, REFRESH_COOKIE, "", _path(settings, path), 0) for path in REFRESH_PATHS
    ]
