"""Account flows shared by the cookie (SPA) and the token (native) contracts."""

from __future__ import annotations

from dataclasses import dataclass

from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib.auth import refresh_tokens, throttle
from chalicelib.auth.accounts import (
    ADMIN,
    ROLES,
    Account,
    create_user,
    delete_user,
    find_user,
    load_user,
    normalize_email,
)
from chalicelib.auth.jwt_tokens import Claims, TokenKind, issue
from chalicelib.auth.links import activation_link, decode_uid, password_reset_link
from chalicelib.auth.models import UserModel
from chalicelib.auth.one_time_tokens import OneTimePurpose, issue_one_time, redeem_within
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
from chalicelib.notify.service import queue_email

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


def register(email: object, password: object, confirmation: object) -> str:
    """Create an inactive account and mail its activation link. An address that already
    has an account gets the same answer; its owner gets a notice instead."""
    address = normalize_email(email)
    new_password = check_new_password(password, confirmation)
    try:
        user = create_user(address, new_password)
    except Conflict:
        existing = find_user(address)
        if existing is not None and not existing.is_active:
            _mail_activation(existing)
        else:
            queue_email("already_registered", address, {})
        return address
    _mail_activation(user)
    return address


def _mail_activation(user: UserModel) -> None:
    token = issue_one_time(OneTimePurpose.ACTIVATION, user.user_id)
    link = activation_link(get_settings(), user.user_id, token)
    queue_email("activation", str(user.email), {"link": link})


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


def login(email: object, password: object) -> SignedIn:
    settings = get_settings()
    address = normalize_email(email)
    if not isinstance(password, str) or not password:
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
    return _sign_in(Account.of(user))


def _sign_in(account: Account) -> SignedIn:
    settings = get_settings()
    refresh_token, refresh = refresh_tokens.start_family(settings, account.user_id)
    access_token, access = _access_token(account)
    return SignedIn(account, access_token, access, refresh_token, refresh)


def _access_token(account: Account) -> tuple[str, Claims]:
    settings = get_settings()
    return issue(settings, TokenKind.ACCESS, account.user_id, settings.access_token_seconds,
                 role=account.role)


def refresh(refresh_token: object) -> SignedIn:
    if not isinstance(refresh_token, str) or not refresh_token:
        raise Unauthorized("A refresh token is required.", reason="token_missing")
    user_id, new_refresh_token, new_refresh = refresh_tokens.rotate(get_settings(),
                                                                    refresh_token)
    try:
        account = Account.of(load_user(user_id))
    except NotFound:
        raise Unauthorized("The account no longer exists.") from None
    access_token, access = _access_token(account)
    return SignedIn(account, access_token, access, new_refresh_token, new_refresh)


def logout(refresh_token: object) -> None:
    if isinstance(refresh_token, str) and refresh_token:
        refresh_tokens.revoke(get_settings(), refresh_token)


def request_password_reset(email: object) -> None:
    user = find_user(normalize_email(email))
    if user is None:
        return
    token = issue_one_time(OneTimePurpose.RESET, user.user_id)
    queue_email("password_reset", str(user.email),
                {"link": password_reset_link(get_settings(), user.user_id, token)})


def confirm_password_reset(uidb64: str, token: str, password: object,
                           confirmation: object) -> None:
    new_password = check_new_password(password, confirmation, field="new_password")
    user_id = decode_uid(uidb64)
    try:
        with TransactWrite(connection=transaction_connection()) as transaction:
            redeem_within(transaction, OneTimePurpose.RESET, user_id, token)
            new_hash = hash_password(new_password)
            transaction.update(UserModel(user_id), actions=[UserModel.password_hash.set(new_hash)],
                               condition=UserModel.email.exists())
    except TransactWriteError:
        raise InvalidInput(BAD_LINK) from None
    refresh_tokens.revoke_all(user_id)
    throttle.clear_login_failures(str(load_user(user_id).email))


def account(user_id: str) -> Account:
    return Account.of(load_user(user_id))


def delete_account(user_id: str, password: object) -> None:
    user = load_user(user_id)
    if not isinstance(password, str) or not password_matches(password, str(user.password_hash)):
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


def set_role(user_id: str, role: object) -> Account:
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
