"""Admitting an authenticated request: one conditional write on the caller's account.

A signed access token proves who the caller was when it was issued. Each counted request
also has to show that the account still exists, that the token's generation is still the
account's (a password reset bumps it), and that the caller is under the per-minute
limit. All three are conditions of the one UpdateItem that counts the request on the
account item, which returns the account as it is now (its current role included). The
counter used to be an item of its own, so the checks cost no extra call.

The counter is a fixed window per calendar minute. DynamoDB cannot choose, inside one
update, between "add one" and "start the new minute at one", so a minute's count lives
in the slot of its parity (`rate_hits_even`, `rate_hits_odd`) and every update removes
the other slot. A request in minute m then finds its slot holding this minute's count,
or absent (the last request was in m-1, whose update removed it, or in any minute of
the other parity, or there was none): `if_not_exists(slot, 0) + 1` fits both. Only a
slot left by an earlier minute of the same parity (after two silent minutes or more) is
stale; the condition refuses it, and a second update starts the minute afresh. Only
when both fail is the account read, to say why.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from pynamodb.attributes import NumberAttribute
from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from chalicelib.auth.accounts import Account, generation_is
from chalicelib.auth.models import UserModel
from chalicelib.core.dynamo import is_condition_failure
from chalicelib.core.errors import TooManyRequests, Unauthorized
from chalicelib.core.settings import Settings

Clock = Callable[[], float]
ROUNDS = 3  # a round loses only to a concurrent request that moved the counter on


def admit(settings: Settings, user_id: str, generation: int, clock: Clock = time.time
          ) -> Account:
    """Count one request of `user_id` holding a token of `generation`: the account now.

    Unauthorized when the account is gone or the token was revoked; TooManyRequests past
    the per-minute limit."""
    now = clock()
    minute, limit = int(now // 60), settings.requests_per_minute
    valid = UserModel.email.exists() & generation_is(generation)
    for _ in range(ROUNDS):
        slot, other = _slots(minute)
        moved_on: list[Action] = [UserModel.rate_minute.set(minute), other.remove()]
        earlier = (UserModel.rate_minute < minute) | UserModel.rate_minute.does_not_exist()
        current_or_absent = (((UserModel.rate_minute == minute) & (slot < limit))
                             | (earlier & slot.does_not_exist()))
        user = (_update(user_id, [*moved_on, slot.set((slot | 0) + 1)], valid & current_or_absent)
                or _update(user_id, [*moved_on, slot.set(1)], valid & earlier))
        if user is not None:
            return Account.of(user)
        minute = _refuse(user_id, generation, limit, minute, now)
    raise TooManyRequests("Too many concurrent requests; try again.", retry_after=1)


def _slots(minute: int) -> tuple[NumberAttribute, NumberAttribute]:
    """The counter slot of `minute`, and the other one."""
    if minute % 2:
        return UserModel.rate_hits_odd, UserModel.rate_hits_even
    return UserModel.rate_hits_even, UserModel.rate_hits_odd


def _update(user_id: str, actions: list[Action], condition: Condition) -> UserModel | None:
    user = UserModel(user_id)
    try:
        user.update(actions=actions, condition=condition)
    except UpdateError as error:
        if is_condition_failure(error):
            return None
        raise
    return user


def _refuse(user_id: str, generation: int, limit: int, minute: int, now: float) -> int:
    """Why neither update was admitted. Returns (the minute to count in) only when a
    concurrent request explains it: the caller tries again."""
    try:
        user = UserModel.get(user_id, consistent_read=True)
    except DoesNotExist:
        user = None
    if user is None or user.email is None:
        raise Unauthorized("The account no longer exists.", reason="account_deleted")
    if int(user.token_generation or 0) != generation:
        raise Unauthorized("This token was revoked (the password was reset); sign in again.",
                           reason="token_revoked")
    stored = int(user.rate_minute or 0)
    if stored > minute:  # counted by a host whose clock is a little ahead: join its minute
        return stored
    counted = user.rate_hits_odd if minute % 2 else user.rate_hits_even
    if stored == minute and int(counted or 0) >= limit:
        raise TooManyRequests(f"More than {limit} requests in a minute.",
                              retry_after=60 - int(now) % 60)
    return minute
