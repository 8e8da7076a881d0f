"""Admins find accounts by e-mail address (the console's People page).

An exact address, read by key: the users table has no index a partial address could
query without a Scan, and an admin looking someone up has their address.
"""

from __future__ import annotations

from typing import Any

from chalicelib.auth.accounts import Account, owner_of
from chalicelib.auth.principal import authenticate_admin
from chalicelib.core.errors import InvalidInput
from chalicelib.core.http import ApiBlueprint

account_admin_routes = ApiBlueprint(__name__)


def admin_view(account: Account) -> dict[str, Any]:
    """An account as `GET /api/admin/users/{id}/` shows it."""
    return {**account.public(), "plan": account.plan_id, "is_active": account.is_active}


@account_admin_routes.route("/api/admin/users", methods=["GET"])
def find_users() -> list[dict[str, Any]]:
    request = account_admin_routes.current_request
    authenticate_admin(request)
    email = dict(request.query_params or {}).get("email")
    if not email:
        raise InvalidInput("email is required: the address of the account to find.",
                           field="email")
    user = owner_of(email)
    return [admin_view(Account.of(user))] if user is not None else []
