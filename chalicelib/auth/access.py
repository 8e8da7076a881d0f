"""Who may call a route, as the route declares it (`ApiBlueprint.route(..., auth=...)`),
and the caller the framework hands the view."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from chalice.app import Request

from chalicelib.auth.jwt_tokens import Claims, TokenKind, verify
from chalicelib.auth.principal import Principal, authenticate, authenticate_admin
from chalicelib.core.settings import get_settings


class Access(enum.Enum):
    PUBLIC = "public"
    # A signed-in user (Bearer token or access cookie), admitted against the account now.
    USER = "user"
    # A signed-in user, trusting the token alone: calls frequent by design and bounded
    # otherwise (heartbeats, segments; see principal.authenticate's count=False).
    USER_UNCOUNTED = "user-uncounted"
    # An admin now: the role is read from the account, so a demotion takes effect at once.
    ADMIN = "admin"
    # A playback token in `?token=` (players that cannot send headers), else a signed-in
    # user; the `_UNCOUNTED` kind trusts a user's token alone, as USER_UNCOUNTED does.
    PLAYBACK = "playback"
    PLAYBACK_UNCOUNTED = "playback-uncounted"

    @property
    def public(self) -> bool:
        return self is Access.PUBLIC

    @property
    def admits_playback_token(self) -> bool:
        return self in (Access.PLAYBACK, Access.PLAYBACK_UNCOUNTED)


@dataclass(frozen=True)
class PlaybackPass:
    """A verified playback token: which user, movie, session and version it names is
    in its claims (playback/delivery.py reads them)."""

    claims: Claims
    token: str


Caller = Principal | PlaybackPass


def caller_of(access: Access, request: Request) -> Caller | None:
    """The caller `access` admits (None for a public route), or 401/403/415."""
    if access is Access.PUBLIC:
        return None
    if access is Access.ADMIN:
        return authenticate_admin(request)
    if access.admits_playback_token:
        token = dict(request.query_params or {}).get("token")
        if token:
            return PlaybackPass(verify(get_settings(), token, TokenKind.PLAYBACK), token)
    counted = access in (Access.USER, Access.PLAYBACK)
    return authenticate(request, count=counted)
