"""The auth context's tables: users, and tokens (refresh families, one-time tokens, counters).

DynamoDB cannot make a GSI key unique, so an account is written together with an
`email#<address>` claim item in one transaction; the `email` GSI serves look-ups.
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
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

    email_index = EmailIndex()


class TokenUserIndex(GlobalSecondaryIndex["TokenModel"]):
    class Meta:
        index_name = "user-index"
        projection = KeysOnlyProjection()

    user_id = UnicodeAttribute(hash_key=True)


@settings_table(lambda tables: tables.tokens)
class TokenModel(Model):
    """One table for every expiring auth record, told apart by `kind` and key prefix.

    - `family#<id>`: a refresh-token family; `revoked` ends every token in it.
    - `refresh#<jti>`: one refresh token; `state` is active, then rotated.
    - `activation#<sha256>`, `reset#<sha256>`: one-time tokens, stored hashed.
    - `login#<email>`, `rate#<user>#<minute>`: throttling counters.
    """

    class Meta:
        pass

    token_id = UnicodeAttribute(hash_key=True)
    kind = UnicodeAttribute()
    user_id = UnicodeAttribute(null=True)
    family_id = UnicodeAttribute(null=True)
    state = UnicodeAttribute(null=True)
    revoked = BooleanAttribute(null=True)
    used = BooleanAttribute(null=True)
    hits = NumberAttribute(null=True)
    window_start = NumberAttribute(null=True)
    expires_at = NumberAttribute()  # the table's TTL attribute: epoch seconds

    user_index = TokenUserIndex()
