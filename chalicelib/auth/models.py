"""The users table: one item per account, plus one claim item per e-mail address.

DynamoDB cannot make a GSI key unique, so an account is written together with an
`email#<address>` claim item in one transaction; the `email` GSI serves look-ups.
"""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.core.dynamo import settings_table

EMAIL_CLAIM_PREFIX = "email#"


class EmailIndex(GlobalSecondaryIndex["UserModel"]):  # type: ignore[no-untyped-call]
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
