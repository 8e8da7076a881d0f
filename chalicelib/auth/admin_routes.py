"""Admins find accounts by e-mail address (the console's People page).

An exact address, read by key: the users table has no index a partial address could
query without a Scan, and an admin looking someone up has their address.
"""

from __future__ import annotations

from chalicelib.auth.access import Access
from chalicelib.auth.accounts import Account, owner_of
from chalicelib.auth.principal import Principal
from chalicelib.auth.schemas import AccountLookup, AdminAccount, admin_account
from chalicelib.core.http import ApiBlueprint

account_admin_routes = ApiBlueprint(__name__)


@account_admin_routes.route("/api/admin/users", methods=["GET"], auth=Access.ADMIN,
                            query=AccountLookup, response=list[AdminAccount])
def find_users(caller: Principal, query: AccountLookup) -> list[AdminAccount]:
    """The account that holds this exact address, if any (a list of at most one)."""
    user = owner_of(query.email)
    return [admin_account(Account.of(user))] if user is not None else []
