"""Account operations. The HTTP flows (register, login, tokens) build on these."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.auth.models import EMAIL_CLAIM_PREFIX, UserModel
from chalicelib.auth.passwords import hash_password
from chalicelib.core.dynamo import transaction_connection
from chalicelib.core.errors import Conflict, InvalidInput

ADMIN = "admin"
USER = "user"
MIN_PASSWORD_LENGTH = 8


@dataclass(frozen=True)
class Account:
    user_id: str
    email: str
    role: str
    is_active: bool


def normalize_email(email: str) -> str:
    email = email.strip().lower()
    local, _, domain = email.partition("@")
    if not local or "." not in domain or " " in email:
        raise InvalidInput(f"{email!r} is not an e-mail address.", field="email")
    return email


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"The password must have at least {MIN_PASSWORD_LENGTH} characters.",
            field="password",
        )


def find_user(email: str) -> UserModel | None:
    return next(iter(UserModel.email_index.query(normalize_email(email), limit=1)), None)


def create_user(email: str, password: str, *, role: str = USER, active: bool = False) -> UserModel:
    """Write the account and its e-mail claim together; a taken address is a Conflict."""
    email = normalize_email(email)
    check_password_strength(password)
    user = UserModel(
        str(uuid.uuid4()),
        email=email,
        password_hash=hash_password(password),
        role=role,
        is_active=active,
        created_at=datetime.now(UTC),
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


def ensure_admin(email: str, password: str) -> Account:
    """Create an active admin, or make an existing account an active admin with this password."""
    user = find_user(email)
    if user is None:
        user = create_user(email, password, role=ADMIN, active=True)
    else:
        check_password_strength(password)
        user.update(actions=[
            UserModel.role.set(ADMIN),
            UserModel.is_active.set(True),
            UserModel.password_hash.set(hash_password(password)),
        ])
    return Account(user.user_id, str(user.email), user.role, user.is_active)
