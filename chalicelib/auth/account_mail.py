"""Account e-mails (activation, "already registered", password reset), asked for by a
request and decided by the notifications handler.

A sign-up or reset request only queues one message, whatever the address: whether an
account exists, whether it is active, and whether the address already had its share of
mail are looked up here, out of the request path, so the answer and its timing say
nothing about the address. Each message is handled once (idempotent on its id).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from enum import Enum
from functools import partial
from typing import Any

from chalicelib.auth import throttle
from chalicelib.auth.accounts import owner_of
from chalicelib.auth.links import activation_link, password_reset_link
from chalicelib.auth.models import UserModel
from chalicelib.auth.one_time_tokens import OneTimePurpose, issue_one_time
from chalicelib.core import idempotency
from chalicelib.core.errors import InvalidInput
from chalicelib.core.settings import get_settings
from chalicelib.notify.service import queue_notification, send_now

logger = logging.getLogger(__name__)

ACCOUNT_MAIL = "account_mail"  # the notifications message type


class MailPurpose(Enum):
    SIGN_UP = "sign_up"  # activation, or "already registered" for an active account
    PASSWORD_RESET = "password_reset"


@dataclass(frozen=True)
class AccountMailRequest:
    request_id: str
    purpose: MailPurpose
    email: str

    @classmethod
    def from_message(cls, payload: dict[str, Any]) -> AccountMailRequest:
        try:
            return cls(str(payload["request_id"]), MailPurpose(payload["purpose"]),
                       str(payload["email"]))
        except (KeyError, ValueError, TypeError) as error:
            raise InvalidInput(f"Not an account mail request: {error}.") from None


def request_account_mail(purpose: MailPurpose, email: str) -> None:
    """Queue the mail an address may be owed (an SQS send, and nothing else)."""
    queue_notification(ACCOUNT_MAIL, {"request_id": uuid.uuid4().hex,
                                      "purpose": purpose.value, "email": email})


def send_account_mail(payload: dict[str, Any]) -> str:
    """The notifications handler of ACCOUNT_MAIL messages: what happened, for the logs."""
    request = AccountMailRequest.from_message(payload)
    ran, outcome = idempotency.run_once(f"account-mail:{request.request_id}",
                                        partial(_decide_and_send, request))
    return outcome if ran and outcome else "already handled"


def _decide_and_send(request: AccountMailRequest) -> str:
    user = owner_of(request.email)
    if user is None:
        return "no account"  # nobody to tell (and no mail to strangers' addresses)
    if not throttle.reserve_address_mail(get_settings(), request.email):
        logger.warning("account mail withheld: address limit", extra={
            "purpose": request.purpose.value})
        return "address limit"
    if request.purpose is MailPurpose.PASSWORD_RESET:
        send_now("password_reset", request.email, {"link": _reset_link(user)})
    elif not user.is_active:
        token = issue_one_time(OneTimePurpose.ACTIVATION, user.user_id)
        send_now("activation", request.email,
                 {"link": activation_link(get_settings(), user.user_id, token)})
    else:
        send_now("already_registered", request.email, {"link": _reset_link(user)})
    return "sent"


def _reset_link(user: UserModel) -> str:
    token = issue_one_time(OneTimePurpose.RESET, user.user_id, int(user.token_generation or 0))
    return password_reset_link(get_settings(), user.user_id, token)
