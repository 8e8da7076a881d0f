"""Auth over HTTP: the cookie contract (SPAs, /api/...) and the token contract
(native clients, /auth/...), both thin shells over `chalicelib.auth.service`."""

from __future__ import annotations

from typing import Any

from chalice.app import Response

from chalicelib.auth import service
from chalicelib.auth.accounts import Account
from chalicelib.auth.cookies import REFRESH_COOKIE, cleared_cookies, read_cookie, session_cookies
from chalicelib.auth.principal import authenticate, authenticate_admin
from chalicelib.core.http import ApiBlueprint, json_body
from chalicelib.core.settings import get_settings

auth_routes = ApiBlueprint(__name__)

REGISTERED = "Check your e-mail: we sent you a link to activate your account."
RESET_SENT = ("If an account exists for this e-mail address, we sent it a link to reset "
              "the password.")


def _body() -> dict[str, Any]:
    return json_body(auth_routes.current_request)


def _client() -> str:
    """The caller's source IP, as API Gateway saw it (not a header the caller chose)."""
    identity = (auth_routes.current_request.context or {}).get("identity") or {}
    return str(identity.get("sourceIp") or "unknown")


def _me(account: Account) -> dict[str, Any]:
    return {**account.public(), "plan": account.plan_id, "display_name": account.display_name}


def _register() -> Response:
    body = _body()
    email = service.register(body.get("email"), body.get("password"),
                             body.get("confirmed_password", body.get("confirm_password")),
                             _client())
    return Response(body={"detail": REGISTERED, "email": email}, status_code=201)


# ---------------------------------------------------------------- cookie contract (SPA)
@auth_routes.route("/api/register", methods=["POST"])
def register() -> Response:
    return _register()


@auth_routes.route("/api/activate/{uidb64}/{token}", methods=["GET"])
def activate(uidb64: str, token: str) -> dict[str, Any]:
    account = service.activate(uidb64, token)
    return {"detail": "Your account is active: you can sign in.", "user": account.public()}


@auth_routes.route("/api/login", methods=["POST"])
def login() -> Response:
    body = _body()
    signed_in = service.login(body.get("email"), body.get("password"))
    cookies = session_cookies(get_settings(), signed_in.access_token, signed_in.refresh_token)
    return Response(body={"detail": "Login successful.", "user": signed_in.account.public()},
                    status_code=200, headers={"Set-Cookie": cookies})


@auth_routes.route("/api/token/refresh", methods=["POST"])
def refresh() -> Response:
    request = auth_routes.current_request
    signed_in = service.refresh(read_cookie(request.headers.get("cookie"), REFRESH_COOKIE))
    cookies = session_cookies(get_settings(), signed_in.access_token, signed_in.refresh_token)
    return Response(body={"detail": "Token refreshed.", "user": signed_in.account.public()},
                    status_code=200, headers={"Set-Cookie": cookies})


@auth_routes.route("/api/logout", methods=["POST"])
def logout() -> Response:
    request = auth_routes.current_request
    service.logout(read_cookie(request.headers.get("cookie"), REFRESH_COOKIE))
    return Response(body={"detail": "Logged out: your session has ended."}, status_code=200,
                    headers={"Set-Cookie": cleared_cookies(get_settings())})


@auth_routes.route("/api/password_reset", methods=["POST"])
def password_reset() -> dict[str, Any]:
    service.request_password_reset(_body().get("email"), _client())
    return {"detail": RESET_SENT}


@auth_routes.route("/api/password_confirm/{uidb64}/{token}", methods=["POST"])
def password_confirm(uidb64: str, token: str) -> dict[str, Any]:
    body = _body()
    service.confirm_password_reset(uidb64, token, body.get("new_password"),
                                   body.get("confirm_password"))
    return {"detail": "Your password has been reset: sign in with the new one."}


@auth_routes.route("/api/me", methods=["GET"])
def me() -> dict[str, Any]:
    principal = authenticate(auth_routes.current_request)
    return _me(principal.account or service.account(principal.user_id))


@auth_routes.route("/api/me", methods=["PATCH"])
def update_me() -> dict[str, Any]:
    principal = authenticate(auth_routes.current_request)
    return _me(service.set_display_name(principal.user_id, _body().get("display_name")))


@auth_routes.route("/api/me", methods=["DELETE"])
def delete_me() -> Response:
    principal = authenticate(auth_routes.current_request)
    service.delete_account(principal.user_id, _body().get("password"))
    return Response(body="", status_code=204,
                    headers={"Set-Cookie": cleared_cookies(get_settings())})


# ---------------------------------------------------------------- administration
@auth_routes.route("/api/admin/users/{user_id}", methods=["GET"])
def admin_user(user_id: str) -> dict[str, Any]:
    authenticate_admin(auth_routes.current_request)
    account = service.account(user_id)
    return {**account.public(), "plan": account.plan_id, "is_active": account.is_active}


@auth_routes.route("/api/admin/users/{user_id}/role", methods=["PUT"])
def admin_set_role(user_id: str) -> dict[str, Any]:
    authenticate_admin(auth_routes.current_request)
    return service.set_role(user_id, _body().get("role")).public()


# ---------------------------------------------------------------- token contract (native)
@auth_routes.route("/auth/register", methods=["POST"])
def native_register() -> Response:
    return _register()


@auth_routes.route("/auth/login", methods=["POST"])
def native_login() -> dict[str, Any]:
    body = _body()
    signed_in = service.login(body.get("email"), body.get("password"))
    return {"access": signed_in.access_token, "refresh": signed_in.refresh_token,
            "user": signed_in.account.public()}


@auth_routes.route("/auth/token/refresh", methods=["POST"])
def native_refresh() -> dict[str, Any]:
    signed_in = service.refresh(_body().get("refresh"))
    return {"access": signed_in.access_token, "refresh": signed_in.refresh_token}


@auth_routes.route("/auth/logout", methods=["POST"])
def native_logout() -> dict[str, Any]:
    service.logout(_body().get("refresh"))
    return {"detail": "Logged out: the refresh token is revoked."}


@auth_routes.route("/auth/protected_route", methods=["GET"])
def protected_route() -> dict[str, Any]:
    principal = authenticate(auth_routes.current_request)
    return {"detail": "You are authenticated.",
            "user": {"id": principal.user_id, "role": principal.role}}
