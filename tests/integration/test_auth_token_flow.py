"""The native contract: tokens in the body, Bearer on every call."""

from __future__ import annotations

from chalice.test import Client

from tests.support.api import Browser, bearer
from tests.support.factories import DEFAULT_PASSWORD, last_link, make_account, new_email


def login(browser: Browser, email: str, password: str = DEFAULT_PASSWORD) -> dict[str, str]:
    response = browser.post("/auth/login/", {"email": email, "password": password})
    assert response.status_code == 200, response.json_body
    return dict(response.json_body)


def test_register_activate_login_and_call_a_protected_route(browser: Browser) -> None:
    email = new_email()
    created = browser.post("/auth/register/", {
        "email": email, "password": DEFAULT_PASSWORD, "confirm_password": DEFAULT_PASSWORD,
    })
    assert created.status_code == 201
    browser.get("/api/activate/" + last_link(email, "/activate/").split("/activate/")[1])

    tokens = login(browser, email)

    assert set(tokens) == {"access", "refresh", "user"}
    assert browser.jar == {}  # the token contract sets no cookies
    protected = browser.get("/auth/protected_route/", headers=bearer(tokens["access"]))
    assert protected.status_code == 200
    assert protected.json_body["user"]["id"] == tokens["user"]["id"]  # type: ignore[index]


def test_a_protected_route_without_a_token_is_401(browser: Browser) -> None:
    response = browser.get("/auth/protected_route/")

    assert response.status_code == 401
    assert response.json_body["reason"] == "token_missing"


def test_refresh_rotates_and_reuse_revokes_the_family(api: Client) -> None:
    account = make_account()
    browser = Browser(api)
    first = login(browser, account.email)

    rotated = browser.post("/auth/token/refresh/", {"refresh": first["refresh"]})
    assert rotated.status_code == 200
    assert set(rotated.json_body) == {"access", "refresh"}
    assert rotated.json_body["refresh"] != first["refresh"]

    # (An immediate repeat gets a grace: test_trust_accounts.py. Once the chain has moved
    # on, a replay is a reuse.)
    newest = browser.post("/auth/token/refresh/", {"refresh": rotated.json_body["refresh"]})
    assert newest.status_code == 200
    assert browser.post("/auth/token/refresh/", {"refresh": first["refresh"]}).status_code == 401
    revoked = browser.post("/auth/token/refresh/", {"refresh": newest.json_body["refresh"]})
    assert revoked.status_code == 401


def test_logout_revokes_the_refresh_token(browser: Browser) -> None:
    tokens = login(browser, make_account().email)

    assert browser.post("/auth/logout/", {"refresh": tokens["refresh"]}).status_code == 200
    assert browser.post("/auth/token/refresh/", {"refresh": tokens["refresh"]}).status_code == 401


def test_sessions_are_independent(browser: Browser) -> None:
    account = make_account()
    phone, tablet = login(browser, account.email), login(browser, account.email)

    browser.post("/auth/logout/", {"refresh": phone["refresh"]})

    assert browser.post("/auth/token/refresh/", {"refresh": tablet["refresh"]}).status_code == 200


def test_a_refresh_token_is_not_an_access_token(browser: Browser) -> None:
    tokens = login(browser, make_account().email)

    as_access = browser.get("/auth/protected_route/", headers=bearer(tokens["refresh"]))
    as_refresh = browser.post("/auth/token/refresh/", {"refresh": tokens["access"]})

    assert as_access.status_code == 401
    assert as_refresh.status_code == 401
