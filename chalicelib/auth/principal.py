"""Who is calling: a Bearer token or the access cookie, verified, rate-limited."""

from __future__ import annotations

from dataclasses import dataclass

from chalice.app import Request

from chalicelib.auth import throttle
from chalicelib.auth.accounts import ADMIN, load_user
from chalicelib.auth.cookies import ACCESS_COOKIE, read_cookie
from chalicelib.auth.jwt_tokens import TokenKind, verify
from chalicelib.core.errors import Forbidden, NotFound, Unauthorized, UnsupportedMediaType
from chalicelib.core.settings import get_settings

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


@dataclass(frozen=True)
class Principal:
    user_id: str
    role: str
    via_cookie: bool

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN


def _bearer(request: Request) -> str | None:
    scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def authenticate(request: Request, *, count: bool = True) -> Principal:
    """The caller; `count=False` skips the per-minute counter for calls that are cheap by
    design and already bounded (playback heartbeats: one conditional write each)."""
    settings = get_settings()
    token, via_cookie = _bearer(request), False
    if token is None:
        token, via_cookie = read_cookie(request.headers.get("cookie"), ACCESS_COOKIE), True
    if token is None:
        raise Unauthorized("Authentication credentials were not provided.",
                           reason="token_missing")
    claims = verify(settings, token, TokenKind.ACCESS)
    if via_cookie and request.method not in SAFE_METHODS:
        # A cross-site form can post cookies but not a JSON body without a CORS preflight.
        content_type = (request.headers.get("content-type") or "").split(";")[0].strip()
        if content_type != "application/json":
            raise UnsupportedMediaType("Cookie-authenticated writes must send application/json.")
    if count:
        throttle.count_request(settings, claims.subject)
    return Principal(claims.subject, str(claims.extra.get("role", "user")), via_cookie)


def authenticate_admin(request: Request) -> Principal:
    """An admin, checked against the account too: a demotion takes effect at once."""
    principal = authenticate(request)
    try:
        role = load_user(principal.user_id).role if principal.is_admin else principal.role
    except NotFound:
        raise Unauthorized("The account no longer exists.") from None
    if role != ADMIN:
        raise Forbidden("This action is for administrators only.")
    return principal
