"""Auth over HTTP: the cookie contract (SPAs, /api/...) and the token contract
(native clients, /auth/...), both thin shells over `chalicelib.auth.service`."""

from __future__ import annotations

from chalice.app import Response

from chalicelib.auth import service
from chalicelib.auth.access import Access
from chalicelib.auth.cookies import REFRESH_COOKIE, cleared_cookies, read_cookie, session_cookies
from chalicelib.auth.principal import Principal
from chalicelib.auth.schemas import (
    AccountDeletion,
    AdminAccount,
    Authenticated,
    Caller,
    DetailWithUser,
    DisplayNameChange,
    Me,
    NewPassword,
    PasswordResetRequest,
    PublicUser,
    RefreshTokenBody,
    Registered,
    RoleChange,
    SignedInTokens,
    SignIn,
    SignUp,
    TokenPair,
    admin_account,
    me,
    public_user,
)
from chalicelib.core.contract import Detail, to_json
from chalicelib.core.http import ApiBlueprint
from chalicelib.core.settings import get_settings

auth_routes = ApiBlueprint(__name__)

REGISTERED = "Check your e-mail: we sent you a link to activate your account."
RESET_SENT = ("If an account exists for this e-mail address, we sent it a link to reset "
              "the password.")


def _client() -> str:
    """The caller's source IP, as API Gateway saw it (not a header the caller chose)."""
    identity = (auth_routes.current_request.context or {}).get("identity") or {}
    return str(identity.get("sourceIp") or "unknown")


def _refresh_cookie() -> str | None:
    return read_cookie(auth_routes.current_request.headers.get("cookie"), REFRESH_COOKIE)


def _signed_in(detail: str, signed_in: service.SignedIn) -> Response:
    cookies = session_cookies(get_settings(), signed_in.access_token, signed_in.refresh_token)
    body = DetailWithUser(detail=detail, user=public_user(signed_in.account))
    return Response(body=to_json(body), status_code=200, headers={"Set-Cookie": cookies})


# ---------------------------------------------------------------- cookie contract (SPA)
@auth_routes.route("/api/register", methods=["POST"], auth=Access.PUBLIC, body=SignUp,
                   response=Registered, status=201)
def register(body: SignUp) -> Registered:
    """Sign up: an inactive account, and its activation link mailed."""
    email = service.register(body.email, body.password, body.confirmation, _client())
    return Registered(detail=REGISTERED, email=email)


@auth_routes.route("/api/activate/{uidb64}/{token}", methods=["GET"], auth=Access.PUBLIC,
                   response=DetailWithUser)
def activate(uidb64: str, token: str) -> DetailWithUser:
    """Open the activation link: the account becomes active."""
    account = service.activate(uidb64, token)
    return DetailWithUser(detail="Your account is active: you can sign in.",
                          user=public_user(account))


@auth_routes.route("/api/login", methods=["POST"], auth=Access.PUBLIC, body=SignIn,
                   response=DetailWithUser)
def login(body: SignIn) -> Response:
    """Sign in: the access and refresh cookies are set."""
    return _signed_in("Login successful.", service.login(body.email, body.password))


@auth_routes.route("/api/token/refresh", methods=["POST"], auth=Access.PUBLIC,
                   response=DetailWithUser)
def refresh() -> Response:
    """A new access cookie for the refresh cookie (which rotates)."""
    return _signed_in("Token refreshed.", service.refresh(_refresh_cookie()))


@auth_routes.route("/api/logout", methods=["POST"], auth=Access.PUBLIC, response=Detail)
def logout() -> Response:
    """End the session: the refresh cookie's family is revoked, the cookies cleared."""
    service.logout(_refresh_cookie())
    return Response(body=to_json(Detail(detail="Logged out: your session has ended.")),
                    status_code=200, headers={"Set-Cookie": cleared_cookies(get_settings())})


@auth_routes.route("/api/password_reset", methods=["POST"], auth=Access.PUBLIC,
                   body=PasswordResetRequest, response=Detail)
def password_reset(body: PasswordResetRequest) -> Detail:
    """Have a reset link mailed (the same answer whether the address has an account)."""
    service.request_password_reset(body.email, _client())
    return Detail(detail=RESET_SENT)


@auth_routes.route("/api/password_confirm/{uidb64}/{token}", methods=["POST"],
                   auth=Access.PUBLIC, body=NewPassword, response=Detail)
def password_confirm(uidb64: str, token: str, body: NewPassword) -> Detail:
    """Set a new password with the reset link; every other session ends."""
    service.confirm_password_reset(uidb64, token, body.new_password, body.confirm_password)
    return Detail(detail="Your password has been reset: sign in with the new one.")


@auth_routes.route("/api/me", methods=["GET"], auth=Access.USER, response=Me)
def read_me(caller: Principal) -> Me:
    """The signed-in account."""
    return me(caller.account or service.account(caller.user_id))


@auth_routes.route("/api/me", methods=["PATCH"], auth=Access.USER, body=DisplayNameChange,
                   response=Me)
def update_me(caller: Principal, body: DisplayNameChange) -> Me:
    """Choose the name others see (review authors, watch parties)."""
    return me(service.set_display_name(caller.user_id, body.display_name))


@auth_routes.route("/api/me", methods=["DELETE"], auth=Access.USER, body=AccountDeletion,
                   status=204)
def delete_me(caller: Principal, body: AccountDeletion) -> Response:
    """Delete the account and its personal data (the password confirms it)."""
    service.delete_account(caller.user_id, body.password)
    return Response(body="", status_code=204,
                    headers={"Set-Cookie": cleared_cookies(get_settings())})


# ---------------------------------------------------------------- administration
@auth_routes.route("/api/admin/users/{user_id}", methods=["GET"], auth=Access.ADMIN,
                   response=AdminAccount)
def admin_user(user_id: str, caller: Principal) -> AdminAccount:
    """An account, as the admin console shows it."""
    return admin_account(service.account(user_id))


@auth_routes.route("/api/admin/users/{user_id}/role", methods=["PUT"], auth=Access.ADMIN,
                   body=RoleChange, response=PublicUser)
def admin_set_role(user_id: str, caller: Principal, body: RoleChange) -> PublicUser:
    """Make an account a user or an admin."""
    return public_user(service.set_role(user_id, body.role))


# ---------------------------------------------------------------- token contract (native)
@auth_routes.route("/auth/register", methods=["POST"], auth=Access.PUBLIC, body=SignUp,
                   response=Registered, status=201)
def native_register(body: SignUp) -> Registered:
    """Sign up (native clients): as `POST /api/register`."""
    return register(body)


@auth_routes.route("/auth/login", methods=["POST"], auth=Access.PUBLIC, body=SignIn,
                   response=SignedInTokens)
def native_login(body: SignIn) -> SignedInTokens:
    """Sign in (native clients): an access and a refresh token."""
    signed_in = service.login(body.email, body.password)
    return SignedInTokens(access=signed_in.access_token, refresh=signed_in.refresh_token,
                          user=public_user(signed_in.account))


@auth_routes.route("/auth/token/refresh", methods=["POST"], auth=Access.PUBLIC,
                   body=RefreshTokenBody, response=TokenPair)
def native_refresh(body: RefreshTokenBody) -> TokenPair:
    """A new access token for the refresh token (which rotates)."""
    signed_in = service.refresh(body.refresh)
    return TokenPair(access=signed_in.access_token, refresh=signed_in.refresh_token)


@auth_routes.route("/auth/logout", methods=["POST"], auth=Access.PUBLIC, body=RefreshTokenBody,
                   response=Detail)
def native_logout(body: RefreshTokenBody) -> Detail:
    """Revoke the refresh token's family."""
    service.logout(body.refresh)
    return Detail(detail="Logged out: the refresh token is revoked.")


@auth_routes.route("/auth/protected_route", methods=["GET"], auth=Access.USER,
                   response=Authenticated)
def protected_route(caller: Principal) -> Authenticated:
    """Whether the Bearer token is accepted."""
    return Authenticated(detail="You are authenticated.",
                         user=Caller(id=caller.user_id, role=caller.role))
