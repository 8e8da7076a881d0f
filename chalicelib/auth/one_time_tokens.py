"""Activation and password-reset tokens: random, single use, expiring, stored hashed."""

from __future__ import annotations

import hashlib
import secrets
import time
from enum import Enum

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


def issue_one_time(purpose: OneTimePurpose, user_id: str) -> str:
    raw = secrets.token_urlsafe(32)
    TokenModel(
        _token_id(purpose, raw), kind=purpose.kind, user_id=user_id, used=False,
        expires_at=int(time.time()) + purpose.lifetime_seconds,
    ).save()
    return raw


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
