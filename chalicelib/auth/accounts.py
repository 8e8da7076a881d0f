"""Accounts in the users table: create, find, load, and the e-mail address claim."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.transactions import TransactWrite

from chalicelib.auth.models import EMAIL_CLAIM_PREFIX, UserModel
from chalicelib.auth.passwords import hash_password
from chalicelib.core.dynamo import transaction_connection
from chalicelib.core.errors import Conflict, InvalidInput, NotFound
from chalicelib.core.settings import get_settings
from chalicelib.core.validation import has_hidden_characters

ADMIN, USER = "admin", "user"
ROLES = (USER, ADMIN)
EMAIL_SHAPE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_EMAIL_LENGTH = 254
# What others see of a user who chose no name: the same for everyone, so it says nothing
# about the account (an address's local part is often a full name).
DEFAULT_DISPLAY_NAME = "Viewer"
MAX_DISPLAY_NAME_LENGTH = 40


@dataclass(frozen=True)
class Account:
    user_id: str
    email: str
    role: str
    is_active: bool
    plan_id: str | None
    token_generation: int = 0
    display_name: str = DEFAULT_DISPLAY_NAME

    @classmethod
    def of(cls, user: UserModel) -> Account:
        return cls(user.user_id, str(user.email), user.role, user.is_active, user.plan_id,
                   int(user.token_generation or 0),
                   user.display_name or DEFAULT_DISPLAY_NAME)


def normalize_email(email: object) -> str:
    if not isinstance(email, str) or not email.strip():
        raise InvalidInput("email is required.", field="email")
    if has_hidden_characters(email):
        raise InvalidInput("email must not contain control characters.", field="email")
    email = email.strip().lower()
    if len(email) > MAX_EMAIL_LENGTH or not EMAIL_SHAPE.match(email):
        raise InvalidInput(f"{email!r} is not an e-mail address.", field="email")
    return email


def check_display_name(name: object) -> str:
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput("display_name must be a non-empty string.", field="display_name")
    if has_hidden_characters(name):
        raise InvalidInput("display_name must not contain control characters.",
                           field="display_name")
    name = name.strip()
    if len(name) > MAX_DISPLAY_NAME_LENGTH:
        raise InvalidInput(f"display_name must have at most {MAX_DISPLAY_NAME_LENGTH} "
                           "characters.", field="display_name")
    return name


def generation_is(generation: int) -> Condition:
    """The account's token generation is `generation` (accounts from before generations
    existed have none: generation 0)."""
    matches: Condition = UserModel.token_generation == generation
    if generation == 0:
        matches = UserModel.token_generation.does_not_exist() | matches
    return matches


def find_user(email: str) -> UserModel | None:
    return next(iter(UserModel.email_index.query(normalize_email(email), limit=1)), None)


def owner_of(email: str) -> UserModel | None:
    """The account that holds this address, by key (consistent reads, unlike the GSI: a
    queue handler may run a moment after the account was written)."""
    try:
        claim = UserModel.get(EMAIL_CLAIM_PREFIX + normalize_email(email), consistent_read=True)
        return load_user(str(claim.owner_id))
    except (DoesNotExist, NotFound):
        return None


def display_names(user_ids: Iterable[str]) -> dict[str, str]:
    """Each user's display name, the default for those who chose none or are gone: one
    BatchGetItem per 100 users."""
    wanted = set(user_ids)
    names = dict.fromkeys(wanted, DEFAULT_DISPLAY_NAME)
    if wanted:
        for user in UserModel.batch_get(wanted, attributes_to_get=["user_id", "display_name"]):
            names[user.user_id] = user.display_name or DEFAULT_DISPLAY_NAME
    return names


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
