"""Who is calling: a Bearer token or the access cookie, verified, admitted (the account
exists, the token is not revoked, the caller is under the rate limit: admission.py)."""

from __future__ import annotations

from dataclasses import dataclass

from chalice.app import Request

from chalicelib.auth.accounts import ADMIN, Account
from chalicelib.auth.admission import admit
from chalicelib.auth.cookies import ACCESS_COOKIE, read_cookie
from chalicelib.auth.jwt_tokens import Claims, TokenKind, verify
from chalicelib.core.errors import Forbidden, Unauthorized, UnsupportedMediaType
from chalicelib.core.settings import get_settings

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


@dataclass(frozen=True)
class Principal:
    user_id: str
    role: str
    via_cookie: bool
    account: Account | None = None  # as admitted now; None for uncounted calls

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN


def _bearer(request: Request) -> str | None:
    scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def token_generation(claims: Claims) -> int:
    """The account generation an access token was issued under (tokens from before
    generations existed carry none: 0)."""
    generation = claims.extra.get("gen", 0)
    if isinstance(generation, bool) or not isinstance(generation, int):
        raise Unauthorized("The token is invalid.", reason="token_invalid")
    return generation


def authenticate(request: Request, *, count: bool = True) -> Principal:
    """The caller, admitted against the account as it is now (its current role).

    `count=False` trusts the token alone (its role too), for calls that are frequent by
    design and bounded otherwise (heartbeats, segments). A deleted account still cannot
    write through them: a heartbeat's conditional write needs the watch session that the
    deletion erased, and a segment needs the account's plan, which is gone with it. A
    token revoked by a password reset keeps playing until it expires (15 minutes): it
    cannot refresh, and every counted call refuses it."""
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
    generation = token_generation(claims)
    if not count:
        return Principal(claims.subject, str(claims.extra.get("role", "user")), via_cookie)
    account = admit(settings, claims.subject, generation)
    return Principal(account.user_id, account.role, via_cookie, account)


def authenticate_admin(request: Request) -> Principal:
    """An admin now (the role comes from the account, so a demotion takes effect at once)."""
    principal = authenticate(request)
    if not principal.is_admin:
        raise Forbidden("This action is for administrators only.")
    return principal
