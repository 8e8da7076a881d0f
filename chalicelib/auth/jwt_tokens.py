"""Signed tokens (JWT, EdDSA only): one `typ` per kind, never accepted as another kind."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from enum import Enum
from typing import Any

import jwt

from chalicelib.auth.keys import key_ring
from chalicelib.core.errors import Unauthorized
from chalicelib.core.settings import Settings

ALGORITHM = "EdDSA"  # pinned: `none`, HS* and RS* tokens are refused before any key is used
AUDIENCE = "reelstack-api"


class TokenKind(Enum):
    ACCESS = "access"
    REFRESH = "refresh"
    PLAYBACK = "playback"
    PARTY_TICKET = "party_ticket"  # opens one watch party's WebSocket (chalicelib/party)


class TokenExpired(Unauthorized):
    """A token that was valid once: a client refreshes (or restarts playback) and retries."""

    code = "TokenExpired"


@dataclass(frozen=True)
class Claims:
    subject: str
    kind: TokenKind
    token_id: str
    issued_at: int
    expires_at: int
    extra: dict[str, Any]


def issue(settings: Settings, kind: TokenKind, subject: str, lifetime_seconds: int, *,
          token_id: str | None = None, expires_at: int | None = None,
          **extra: Any) -> tuple[str, Claims]:
    """A signed token; a `token_id` and `expires_at` given sign an already issued token
    again (the same credential: the server keeps its state by `jti`)."""
    ring = key_ring(settings)
    now = int(time.time())
    claims = Claims(subject, kind, token_id or uuid.uuid4().hex, now,
                    expires_at or now + lifetime_seconds, extra)
    payload = {
        **extra,
        "iss": settings.jwt_issuer, "aud": AUDIENCE, "sub": subject, "typ": kind.value,
        "jti": claims.token_id, "iat": now, "exp": claims.expires_at,
    }
    token = jwt.encode(payload, ring.signing_key, algorithm=ALGORITHM,
                       headers={"kid": ring.signing_kid})
    return token, claims


def verify(settings: Settings, token: str, kind: TokenKind) -> Claims:
    """The token's claims if it is valid, unexpired and of `kind`; else Unauthorized."""
    ring = key_ring(settings)
    try:
        header = jwt.get_unverified_header(token)
        key = ring.verifying_keys.get(str(header.get("kid")))
        if key is None or header.get("alg") != ALGORITHM:
            raise Unauthorized("The token is not signed by a known key.")
        payload = jwt.decode(
            token, key, algorithms=[ALGORITHM], audience=AUDIENCE, issuer=settings.jwt_issuer,
            options={"require": ["exp", "iat", "iss", "aud", "sub", "jti", "typ"]},
        )
    except jwt.ExpiredSignatureError:
        if kind is TokenKind.REFRESH:  # nothing left to refresh with
            raise Unauthorized("The session has expired; sign in again.",
                               reason="token_expired") from None
        raise TokenExpired(f"The {kind.value} token has expired; get a new one and retry.",
                           reason="token_expired") from None
    except jwt.PyJWTError:
        raise Unauthorized("The token is invalid.", reason="token_invalid") from None
    if payload["typ"] != kind.value:
        raise Unauthorized(f"This is not an {kind.value} token.", reason="token_invalid")
    reserved = {"iss", "aud", "sub", "typ", "jti", "iat", "exp"}
    return Claims(
        subject=str(payload["sub"]), kind=kind, token_id=str(payload["jti"]),
        issued_at=int(payload["iat"]), expires_at=int(payload["exp"]),
        extra={k: v for k, v in payload.items() if k not in reserved},
    )
