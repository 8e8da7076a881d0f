"""Refresh tokens in families: each use rotates; a reused (already rotated) token
revokes the whole family, so a stolen token stops working for the thief and the owner.

One exception, as in mature implementations (Auth0's reuse interval, Okta's grace
period): two tabs that refresh with the same cookie at once present one token twice.
A repeat within `refresh_grace_seconds` of the rotation, while the token it was traded
for is still unused, gets that *same* successor again (signed anew, the same `jti`), not
a new branch of the family. So a thief who replays a token within the window still
holds the owner's next token, and whichever of them presents it second is caught.

Family records outlive their tokens only until the newest token would expire; the
table's TTL then removes them (revocations included).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import TypeVar

from pynamodb.exceptions import DoesNotExist, TransactWriteError

from chalicelib.auth.jwt_tokens import Claims, TokenKind, issue, verify
from chalicelib.auth.models import RefreshToken, TokenFamily, TokenKey, TokenModel
from chalicelib.core.dynamo import CONDITION_FAILED, NamedTransaction, back_off
from chalicelib.core.errors import Unauthorized
from chalicelib.core.settings import Settings

ACTIVE, ROTATED = "active", "rotated"
FAMILY_PREFIX, REFRESH_PREFIX = "family#", "refresh#"
Clock = Callable[[], float]
CONFLICT_RETRIES = 4  # transactions on the same token that collide (not a reuse)
Token = TypeVar("Token", bound=TokenModel)


def start_family(settings: Settings, user_id: str) -> tuple[str, Claims]:
    """A new login: a new family and its first refresh token."""
    family_id = uuid.uuid4().hex
    token, claims = _issue(settings, user_id, family_id)
    with NamedTransaction() as transaction:
        transaction.save("family", TokenFamily(FAMILY_PREFIX + family_id, user_id=user_id,
                                               revoked=False, expires_at=claims.expires_at))
        transaction.save("token", _record(claims, family_id))
    return token, claims


def rotate(settings: Settings, token: str, clock: Clock = time.time
           ) -> tuple[str, str, Claims]:
    """Trade a refresh token for the next one: (user_id, new token, its claims)."""
    claims = verify(settings, token, TokenKind.REFRESH)
    family_id = str(claims.extra.get("fam", ""))
    family = _get(TokenFamily, FAMILY_PREFIX + family_id, clock())
    if family is None or family.revoked:
        raise Unauthorized("This session has ended; sign in again.", reason="token_revoked")
    new_token, new_claims = _issue(settings, claims.subject, family_id)
    used = RefreshToken(REFRESH_PREFIX + claims.token_id)
    for attempt in range(CONFLICT_RETRIES):
        now = clock()
        try:
            with NamedTransaction() as transaction:
                transaction.update("used", used, actions=[
                    RefreshToken.state.set(ROTATED), RefreshToken.rotated_at.set(int(now)),
                    RefreshToken.successor.set(new_claims.token_id),
                ], condition=RefreshToken.state == ACTIVE)
                transaction.update("family", family,
                                   actions=[TokenFamily.expires_at.set(new_claims.expires_at)],
                                   condition=TokenFamily.revoked == False)  # noqa: E712
                transaction.save("successor", _record(new_claims, family_id))
        except TransactWriteError as error:
            reasons = transaction.reasons(error)
            if CONDITION_FAILED not in reasons.values():  # collided with a concurrent one
                back_off(attempt, 0.02)
                continue
            if reasons["family"] == CONDITION_FAILED:
                raise Unauthorized("This session has ended; sign in again.",
                                   reason="token_revoked") from None
            # Presented twice: the token (or a copy of it) was already traded in.
            repeated = _successor_within_grace(settings, claims, now)
            if repeated is not None:
                return claims.subject, *repeated
            revoke_family(family_id)
            raise Unauthorized("This session has ended; sign in again.",
                               reason="token_reused") from None
        return claims.subject, new_token, new_claims
    raise Unauthorized("This session is being refreshed elsewhere; try again.",
                       reason="token_busy")


def _successor_within_grace(settings: Settings, claims: Claims, now: float
                            ) -> tuple[str, Claims] | None:
    """The token `claims` was just traded for, signed again, if this is a repeat within
    the grace window and that successor is still unused; else None (a reuse)."""
    used = _get(RefreshToken, REFRESH_PREFIX + claims.token_id, now)
    if (used is None or used.state != ROTATED or not used.successor
            or used.rotated_at is None or now - used.rotated_at > settings.refresh_grace_seconds):
        return None
    successor = _get(RefreshToken, REFRESH_PREFIX + used.successor, now)
    if successor is None or successor.state != ACTIVE:
        return None  # the chain moved on: this token is not the immediately previous one
    return issue(settings, TokenKind.REFRESH, claims.subject, settings.refresh_token_seconds,
                 token_id=used.successor, expires_at=int(successor.expires_at),
                 fam=successor.family_id)


def revoke(settings: Settings, token: str) -> None:
    """Logout: end the token's family. An invalid token has nothing to revoke."""
    try:
        claims = verify(settings, token, TokenKind.REFRESH)
    except Unauthorized:
        return
    revoke_family(str(claims.extra.get("fam", "")))


def revoke_family(family_id: str) -> None:
    family = _get(TokenFamily, FAMILY_PREFIX + family_id)
    if family is not None:
        family.update(actions=[TokenFamily.revoked.set(True)])


def revoke_all(user_id: str) -> int:
    """End every session of the user (password reset, account deletion)."""
    families = [
        key.token_id for key in TokenKey.user_index.query(user_id)
        if key.token_id.startswith(FAMILY_PREFIX)
    ]
    for token_id in families:
        revoke_family(token_id.removeprefix(FAMILY_PREFIX))
    return len(families)


def _issue(settings: Settings, user_id: str, family_id: str) -> tuple[str, Claims]:
    return issue(settings, TokenKind.REFRESH, user_id, settings.refresh_token_seconds,
                 fam=family_id)


def _record(claims: Claims, family_id: str) -> RefreshToken:
    return RefreshToken(REFRESH_PREFIX + claims.token_id, user_id=claims.subject,
                        family_id=family_id, state=ACTIVE, expires_at=claims.expires_at)


def _get(kind: type[Token], token_id: str, now: float | None = None) -> Token | None:
    try:
        record = kind.get(token_id, consistent_read=True)
    except DoesNotExist:
        return None
    return record if record.expires_at > (time.time() if now is None else now) else None
