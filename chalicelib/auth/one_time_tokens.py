"""Activation and password-reset tokens: random, single use, expiring, stored hashed."""

from __future__ import annotations

import hashlib
import secrets
import time
from enum import Enum

from pynamodb.exceptions import DoesNotExist
from pynamodb.transactions import TransactWrite

from chalicelib.auth.models import TokenModel


class OneTimePurpose(Enum):
    ACTIVATION = ("activation", 24 * 3600)
    RESET = ("reset", 3600)

    @property
    def kind(self) -> str:
        return self.value[0]

    @property
    def lifetime_seconds(self) -> int:
        return self.value[1]


def _token_id(purpose: OneTimePurpose, raw: str) -> str:
    return f"{purpose.kind}#{hashlib.sha256(raw.encode()).hexdigest()}"


def issue_one_time(purpose: OneTimePurpose, user_id: str, generation: int | None = None) -> str:
    """A new token; `generation` (reset tokens) is the account's token generation now: a
    completed reset moves the account past it, voiding every other link issued before."""
    raw = secrets.token_urlsafe(32)
    TokenModel(
        _token_id(purpose, raw), kind=purpose.kind, user_id=user_id, used=False,
        generation=generation, expires_at=int(time.time()) + purpose.lifetime_seconds,
    ).save()
    return raw


def issued_generation(purpose: OneTimePurpose, raw: str) -> int:
    """The account generation the token was issued under (0 when it has none, or is no
    token at all: redeeming it then fails anyway)."""
    try:
        record = TokenModel.get(_token_id(purpose, raw), consistent_read=True)
    except DoesNotExist:
        return 0
    return int(record.generation or 0)


def redeem_within(transaction: TransactWrite, purpose: OneTimePurpose, user_id: str,
                  raw: str) -> None:
    """Mark the token used in `transaction`, which then fails unless the token is valid:
    issued for this purpose and user, unused and unexpired."""
    record = TokenModel(_token_id(purpose, raw))
    transaction.update(
        record,
        actions=[TokenModel.used.set(True)],
        condition=(
            TokenModel.token_id.exists()
            & (TokenModel.kind == purpose.kind)
            & (TokenModel.user_id == user_id)
            & (TokenModel.used == False)  # noqa: E712
            & (TokenModel.expires_at > int(time.time()))
        ),
    )
