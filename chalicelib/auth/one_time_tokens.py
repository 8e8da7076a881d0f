"""Activation and password-reset tokens: random, single use, expiring, stored hashed."""

from __future__ import annotations

import hashlib
import secrets
import time
from enum import Enum

from pynamodb.exceptions import DoesNotExist
from pynamodb.transactions import TransactWrite

from chalicelib.auth.models import ActivationToken, OneTimeToken, ResetToken


class OneTimePurpose(Enum):
    ACTIVATION = ("activation", 24 * 3600)
    RESET = ("reset", 3600)

    @property
    def kind(self) -> str:
        return self.value[0]

    @property
    def lifetime_seconds(self) -> int:
        return self.value[1]

    @property
    def model(self) -> type[OneTimeToken]:
        return ResetToken if self is OneTimePurpose.RESET else ActivationToken


def _token_id(purpose: OneTimePurpose, raw: str) -> str:
    return f"{purpose.kind}#{hashlib.sha256(raw.encode()).hexdigest()}"


def issue_one_time(purpose: OneTimePurpose, user_id: str, generation: int | None = None) -> str:
    """A new token; `generation` (reset tokens) is the account's token generation now: a
    completed reset moves the account past it, voiding every other link issued before."""
    raw = secrets.token_urlsafe(32)
    token = purpose.model(_token_id(purpose, raw), user_id=user_id, used=False,
                          expires_at=int(time.time()) + purpose.lifetime_seconds)
    if isinstance(token, ResetToken):
        token.generation = generation
    token.save()
    return raw


def issued_generation(purpose: OneTimePurpose, raw: str) -> int:
    """The account generation the token was issued under (0 when it has none, or is no
    token at all: redeeming it then fails anyway)."""
    try:
        record = purpose.model.get(_token_id(purpose, raw), consistent_read=True)
    except DoesNotExist:
        return 0
    return int(record.generation or 0) if isinstance(record, ResetToken) else 0


def redeem_within(transaction: TransactWrite, purpose: OneTimePurpose, user_id: str,
                  raw: str) -> None:
    """Mark the token used in `transaction`, which then fails unless the token is valid:
    issued for this purpose and user, unused and unexpired."""
    record = purpose.model(_token_id(purpose, raw))
    transaction.update(
        record,
        actions=[OneTimeToken.used.set(True)],
        condition=(
            OneTimeToken.token_id.exists()
            & (OneTimeToken.kind == purpose.model)
            & (OneTimeToken.user_id == user_id)
            & (OneTimeToken.used == False)  # noqa: E712
            & (OneTimeToken.expires_at > int(time.time()))
        ),
    )
