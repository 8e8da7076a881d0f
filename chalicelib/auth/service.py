"""Account flows shared by the cookie (SPA) and the token (native) contracts.

They take typed values that the routes decoded (chalicelib/auth/schemas.py); the checks
that make an address a key (`normalize_email`) and a password acceptable stay here too,
for the callers that are not routes (the admin command, tests)."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass

from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib.auth import refresh_tokens, throttle
from chalicelib.auth.account_mail import MailPurpose, request_account_mail
from chalicelib.auth.accounts import (
    ADMIN,
    ROLES,
    Account,
    check_display_name,
    create_user,
    delete_user,
    find_user,
    generation_is,
    load_user,
    normalize_email,
)
from chalicelib.auth.jwt_tokens import Claims, TokenKind, issue
from chalicelib.auth.links import decode_uid
from chalicelib.auth.models import UserModel
from chalicelib.auth.one_time_tokens import OneTimePurpose, issued_generation, redeem_within
from chalicelib.auth.passwords import (
    check_new_password,
    decoy_hash,
    hash_password,
    needs_rehash,
    password_matches,
)
from chalicelib.core.dynamo import is_condition_failure, transaction_connection
from chalicelib.core.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from chalicelib.core.personal_data import erase_personal_data
from chalicelib.core.settings import get_settings

BAD_CREDENTIALS = "Invalid email or password."
BAD_LINK = "The link is invalid or has expired."


class AccountInactive(Forbidden):
    code = "AccountInactive"


@dataclass(frozen=True)
class SignedIn:
    account: Account
    access_token: str
    access: Claims
    refresh_token: str
    refresh: Claims


def register(email: str, password: str, confirmation: str | None, client: str) -> str:
    """Create an inactive account and have its activation link mailed. An address that
    already has an account gets the same answer, after the same work; its owner is mailed
    a notice (or the activation link again) instead. `client`: the caller's source IP."""
    address = normalize_email(email)
    new_password = check_new_password(password, confirmation)
    throttle.reserve_client_mail(get_settings(), client)
    # A taken address: what its owner is told is decided with the mail (account_mail.py).
    with suppress(Conflict):
        create_user(address, new_password)
    request_account_mail(MailPurpose.SIGN_UP, address)
    return address


def activate(uidb64: str, token: str) -> Account:
    user_id = decode_uid(uidb64)
    try:
        with TransactWrite(connection=transaction_connection()) as transaction:
            redeem_within(transaction, OneTimePurpose.ACTIVATION, user_id, token)
            transaction.update(UserModel(user_id), actions=[UserModel.is_active.set(True)],
                               condition=UserModel.email.exists())
    except TransactWriteError:
        raise InvalidInput(BAD_LINK) from None
    return Account.of(load_user(user_id))


def login(email: str, password: str) -> SignedIn:
    settings = get_settings()
    address = normalize_email(email)
    if not password:
        raise InvalidInput("password is required.", field="password")
    throttle.reserve_login_attempt(settings, address)
    user = find_user(address)
    # Unknown address and wrong password: the same work, the same answer.
    if not password_matches(password, user.password_hash if user else decoy_hash()) or not user:
        raise Unauthorized(BAD_CREDENTIALS)
    throttle.clear_login_failures(address)
    if not user.is_active:
        raise AccountInactive("This account is not active yet: open the activation link we "
                              "e-mailed you.")
    if needs_rehash(str(user.password_hash)):
        user.update(actions=[UserModel.password_hash.set(hash_password(password))])
    # Read by key: the GSI may lag a reset's new token generation, and a token of the old
    # one would be refused at once.
    return _sign_in(Account.of(load_user(user.user_id)))


def _sign_in(account: Account) -> SignedIn:
    settings = get_settings()
    refresh_token, refresh = refresh_tokens.start_family(settings, account.user_id)
    access_token, access = _access_token(account)
    return SignedIn(account, access_token, access, refresh_token, refresh)


def _access_token(account: Account) -> tuple[str, Claims]:
    settings = get_settings()
    return issue(settings, TokenKind.ACCESS, account.user_id, settings.access_token_seconds,
                 role=account.role, gen=account.token_generation)


def refresh(refresh_token: str | None) -> SignedIn:
    if not refresh_token:
        raise Unauthorized("A refresh token is required.", reason="token_missing")
    user_id, new_refresh_token, new_refresh = refresh_tokens.rotate(get_settings(),
                                                                    refresh_token)
    try:
        account = Account.of(load_user(user_id))
    except NotFound:
        raise Unauthorized("The account no longer exists.") from None
    access_token, access = _access_token(account)
    return SignedIn(account, access_token, access, new_refresh_token, new_refresh)


def logout(refresh_token: str | None) -> None:
    if refresh_token:
        refresh_tokens.revoke(get_settings(), refresh_token)


def request_password_reset(email: str, client: str) -> None:
    """Have a reset link mailed if the address has an account. The same work for every
    address (a counter for `client`, the caller's source IP, and one queued message): the
    notifications handler finds out whether there is anyone to mail."""
    address = normalize_email(email)
    throttle.reserve_client_mail(get_settings(), client)
    request_account_mail(MailPurpose.PASSWORD_RESET, address)


def confirm_password_reset(uidb64: str, token: str, password: str,
                           confirmation: str | None) -> None:
    """Set the new password and move the account to its next token generation, in one
    transaction that holds only if the link was issued under the current generation: so
    every other outstanding reset link, and every access token, stops working."""
    new_password = check_new_password(password, confirmation, field="new_password")
    user_id = decode_uid(uidb64)
    generation = issued_generation(OneTimePurpose.RESET, token)
    new_hash = hash_password(new_password)
    try:
        with TransactWrite(connection=transaction_connection()) as transaction:
            redeem_within(transaction, OneTimePurpose.RESET, user_id, token)
            transaction.update(UserModel(user_id), actions=[
                UserModel.password_hash.set(new_hash),
                UserModel.token_generation.set(generation + 1),
            ], condition=UserModel.email.exists() & generation_is(generation))
    except TransactWriteError:
        raise InvalidInput(BAD_LINK) from None
    refresh_tokens.revoke_all(user_id)
    throttle.clear_login_failures(str(load_user(user_id).email))


def account(user_id: str) -> Account:
    return Account.of(load_user(user_id))


def set_display_name(user_id: str, name: str) -> Account:
    """What others see of the user (review authors): 1 to 40 characters, no controls."""
    chosen = check_display_name(name)
    user = UserModel(user_id)
    try:
        user.update(actions=[UserModel.display_name.set(chosen)],
                    condition=UserModel.email.exists())
    except UpdateError as error:
        if is_condition_failure(error):
            raise NotFound("The account does not exist.") from None
        raise
    return Account.of(user)


def delete_account(user_id: str, password: str | None) -> None:
    user = load_user(user_id)
    if password is None or not password_matches(password, str(user.password_hash)):
        raise Forbidden("The password is not correct.", field="password")
    delete_user(user)
    refresh_tokens.revoke_all(user_id)
    erase_personal_data(user_id)


def ensure_admin(email: str, password: str) -> Account:
    """Create an active admin, or make an existing account an active admin with this password."""
    check_new_password(password, password)
    user = find_user(email)
    if user is None:
        user = create_user(email, password, role=ADMIN, active=True)
    else:
        user.update(actions=[
            UserModel.role.set(ADMIN),
            UserModel.is_active.set(True),
            UserModel.password_hash.set(hash_password(password)),
        ])
    return Account.of(user)


def set_role(user_id: str, role: str) -> Account:
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}.", field="role")
    user = load_user(user_id)
    user.update(actions=[UserModel.role.set(str(role))])
    return Account.of(user)


def set_plan(user_id: str, plan_id: str) -> Account:
    """Put the account on this plan; the caller (playback) checks the plan exists."""
    user = load_user(user_id)
    try:
        user.update(actions=[UserModel.plan_id.set(plan_id)], condition=UserModel.email.exists())
    except UpdateError as error:
        if is_condition_failure(error):  # deleted since it was loaded
            raise NotFound("The account does not exist.") from None
        raise
    return Account.of(user)
