"""Accounts in the users table: create, find, load, and the e-mail address claim."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.auth.models import EMAIL_CLAIM_PREFIX, UserModel
from chalicelib.auth.passwords import hash_password
from chalicelib.core.dynamo import transaction_connection
from chalicelib.core.errors import Conflict, InvalidInput, NotFound
from chalicelib.core.settings import get_settings

ADMIN, USER = "admin", "user"
ROLES = (USER, ADMIN)
EMAIL_SHAPE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_EMAIL_LENGTH = 254


@dataclass(frozen=True)
class Account:
    user_id: str
    email: str
    role: str
    is_active: bool
    plan_id: str | None

    @classmethod
    def of(cls, user: UserModel) -> Account:
        return cls(user.user_id, str(user.email), user.role, user.is_active, user.plan_id)

    def public(self) -> dict[str, Any]:
        return {"id": self.user_id, "email": self.email, "role": self.role}


def normalize_email(email: object) -> str:
    if not isinstance(email, str) or not email.strip():
        raise InvalidInput("email is required.", field="email")
    email = email.strip().lower()
    if len(email) > MAX_EMAIL_LENGTH or not EMAIL_SHAPE.match(email):
        raise InvalidInput(f"{email!r} is not an e-mail address.", field="email")
    return email


def find_user(email: str) -> UserModel | None:
    return next(iter(UserModel.email_index.query(normalize_email(email), limit=1)), None)


def load_user(user_id: str) -> UserModel:
    try:
        user = UserModel.get(user_id, consistent_read=True)
    except DoesNotExist:
        raise NotFound("The account does not exist.") from None
    if user.email is None:  # an e-mail claim item, not an account
        raise NotFound("The account does not exist.")
    return user


def create_user(email: str, password: str, *, role: str = USER, active: bool = False) -> UserModel:
    """Write the account and its e-mail claim together; a taken address is a Conflict."""
    email = normalize_email(email)
    user = UserModel(
        str(uuid.uuid4()), email=email, password_hash=hash_password(password), role=role,
        is_active=active, plan_id=get_settings().default_plan, created_at=datetime.now(UTC),
    )
    claim = UserModel(EMAIL_CLAIM_PREFIX + email, owner_id=user.user_id)
    try:
        with TransactWrite(connection=transaction_connection()) as transaction:
            transaction.save(claim, condition=UserModel.user_id.does_not_exist())
            transaction.save(user, condition=UserModel.user_id.does_not_exist())
    except TransactWriteError as error:
        if error.cause_response_code == "TransactionCanceledException":
            raise Conflict(f"An account for {email} already exists.") from None
        raise
    return user


def delete_user(user: UserModel) -> None:
    with TransactWrite(connection=transaction_connection()) as transaction:
        transaction.delete(UserModel(EMAIL_CLAIM_PREFIX + str(user.email)))
        transaction.delete(user)
