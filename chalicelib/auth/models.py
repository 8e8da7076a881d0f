"""The auth context's tables: users, and tokens (refresh families, one-time tokens, counters).

DynamoDB cannot make a GSI key unique, so an account is written together with an
`email#<address>` claim item in one transaction; the `email` GSI serves look-ups.

An account item also carries what every authenticated request checks in one conditional
write (see admission.py): its token generation and its per-minute request counter.
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    DiscriminatorAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib.core.dynamo import settings_table

EMAIL_CLAIM_PREFIX = "email#"


class EmailIndex(GlobalSecondaryIndex["UserModel"]):
    class Meta:
        index_name = "email-index"
        projection = AllProjection()

    email = UnicodeAttribute(hash_key=True)


@settings_table(lambda tables: tables.users)
class UserModel(Model):
    class Meta:
        pass

    user_id = UnicodeAttribute(hash_key=True)
    email = UnicodeAttribute(null=True)  # absent on claim items, so they stay out of the GSI
    password_hash = UnicodeAttribute(null=True)
    role = UnicodeAttribute(default="user")
    is_active = BooleanAttribute(default=False)
    plan_id = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute(null=True)
    owner_id = UnicodeAttribute(null=True)  # on claim items: the account that owns the address
    display_name = UnicodeAttribute(null=True)  # chosen by the user; absent: a neutral default
    # Access tokens carry the generation they were issued under (claim `gen`); a password
    # reset bumps it, and every older token stops working. Absent: generation 0.
    token_generation = NumberAttribute(null=True, attr_name="token_gen")
    # The request counter (admission.py): the epoch minute of the last counted request,
    # and the count of the minute in the slot of its parity (the other slot is absent).
    rate_minute = NumberAttribute(null=True)
    rate_hits_even = NumberAttribute(null=True)
    rate_hits_odd = NumberAttribute(null=True)

    email_index = EmailIndex()


class TokenUserIndex(GlobalSecondaryIndex["TokenKey"]):
    class Meta:
        index_name = "user-index"
        projection = KeysOnlyProjection()

    user_id = UnicodeAttribute(hash_key=True)


@settings_table(lambda tables: tables.tokens)
class TokenKey(Model):
    """A tokens-table item as the keys-only user index holds it: its key and its user. The
    index projects no `kind`, and a discriminated model filters each query on it, so the
    index is read through this plain view."""

    class Meta:
        pass

    token_id = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute(null=True)

    user_index = TokenUserIndex()


@settings_table(lambda tables: tables.tokens)
class TokenModel(Model):
    """One table for every expiring auth record, told apart by `kind` (PynamoDB's
    discriminator, stored in the `kind` attribute items have always had, so items written
    before it read as their class) and by key prefix:

    - `family#<id>` (TokenFamily): a refresh-token family; `revoked` ends every token in it.
    - `refresh#<jti>` (RefreshToken): active, then rotated (when, and into which token, so
      that an immediate repeat can be answered: refresh_tokens.py).
    - `activation#<sha256>`, `reset#<sha256>` (one-time tokens, stored hashed); a reset
      token remembers the account's token generation it was issued under.
    - `login#<email>`, `mail#<email>`, `client-mail#<ip>`: throttling counters.
    """

    class Meta:
        pass

    token_id = UnicodeAttribute(hash_key=True)
    kind = DiscriminatorAttribute(attr_name="kind")
    user_id = UnicodeAttribute(null=True)
    expires_at = NumberAttribute()  # the table's TTL attribute: epoch seconds


class TokenFamily(TokenModel, discriminator="family"):
    revoked = BooleanAttribute(null=True)


class RefreshToken(TokenModel, discriminator="refresh"):
    family_id = UnicodeAttribute(null=True)
    state = UnicodeAttribute(null=True)  # active, then rotated
    rotated_at = NumberAttribute(null=True)  # when it was traded in
    successor = UnicodeAttribute(null=True)  # the jti it was traded for


class OneTimeToken(TokenModel):
    used = BooleanAttribute(null=True)


class ActivationToken(OneTimeToken, discriminator="activation"):
    pass


class ResetToken(OneTimeToken, discriminator="reset"):
    generation = NumberAttribute(null=True)  # the account's token generation at issue


class ThrottleCounter(TokenModel):
    """Uses within a fixed window (throttle.py)."""

    hits = NumberAttribute(null=True)
    window_start = NumberAttribute(null=True)


class LoginFailures(ThrottleCounter, discriminator="login-failures"):
    pass


class AddressMail(ThrottleCounter, discriminator="address-mail"):
    pass


class ClientMail(ThrottleCounter, discriminator="client-mail"):
    pass
