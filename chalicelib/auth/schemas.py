"""What the account routes read and answer (docs/contract.md).

The Videoflix SPA sends its sign-up, sign-in and password-reset forms with fields we do not
read, so those bodies are `LenientModel`s; every other body refuses unknown fields."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta

from chalicelib.auth.accounts import Account, check_display_name, normalize_email
from chalicelib.core.contract import Detail, LenientModel, Model
from chalicelib.core.validation import Check

Email = Annotated[str, Meta(max_length=320), Check(normalize_email)]
Secret = Annotated[str, Meta(min_length=1, max_length=1024)]
DisplayName = Annotated[str, Check(check_display_name)]
Role = Literal["user", "admin"]


class SignUp(LenientModel, frozen=True):
    email: Email
    password: str
    # Videoflix's form says confirmed_password; earlier clients sent confirm_password.
    confirmed_password: str | None = None
    confirm_password: str | None = None
    example = {"email": "ada@example.com", "password": "correct horse",
               "confirmed_password": "correct horse"}

    @property
    def confirmation(self) -> str | None:
        return self.confirmed_password if self.confirmed_password is not None \
            else self.confirm_password


class SignIn(LenientModel, frozen=True):
    email: Email
    password: Secret
    example = {"email": "ada@example.com", "password": "correct horse"}


class PasswordResetRequest(LenientModel, frozen=True):
    email: Email
    example = {"email": "ada@example.com"}


class NewPassword(LenientModel, frozen=True):
    new_password: str
    confirm_password: str | None = None
    example = {"new_password": "battery staple", "confirm_password": "battery staple"}


class RefreshTokenBody(Model, frozen=True):
    """A missing token is a 401 (token_missing), as it was, not a 400."""

    refresh: str | None = None
    example = {"refresh": "eyJhbGciOiJFZERTQSIs..."}


class DisplayNameChange(Model, frozen=True):
    display_name: DisplayName
    example = {"display_name": "Ada"}


class AccountDeletion(Model, frozen=True):
    """A missing or wrong password is the same 403."""

    password: str | None = None
    example = {"password": "correct horse"}


class RoleChange(Model, frozen=True):
    role: Role
    example = {"role": "admin"}


class AccountLookup(Model, frozen=True):
    email: Email
    example = {"email": "ada@example.com"}


# ---------------------------------------------------------------- answers
class PublicUser(Model, frozen=True):
    id: str
    email: str
    role: str


class Me(PublicUser, frozen=True):
    plan: str | None
    display_name: str


class AdminAccount(PublicUser, frozen=True):
    plan: str | None
    is_active: bool


class Registered(Detail, frozen=True):
    email: str


class DetailWithUser(Detail, frozen=True):
    user: PublicUser


class TokenPair(Model, frozen=True):
    access: str
    refresh: str


class SignedInTokens(TokenPair, frozen=True):
    user: PublicUser


class Caller(Model, frozen=True):
    id: str
    role: str


class Authenticated(Detail, frozen=True):
    user: Caller


def public_user(account: Account) -> PublicUser:
    return PublicUser(id=account.user_id, email=account.email, role=account.role)


def me(account: Account) -> Me:
    return Me(id=account.user_id, email=account.email, role=account.role,
              plan=account.plan_id, display_name=account.display_name)


def admin_account(account: Account) -> AdminAccount:
    """An account as the admin console shows it (`GET /api/admin/users/{id}`)."""
    return AdminAccount(id=account.user_id, email=account.email, role=account.role,
                        plan=account.plan_id, is_active=account.is_active)
