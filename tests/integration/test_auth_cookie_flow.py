"""The SPA contract: register, activate by e-mail, cookies, refresh rotation, logout."""

from __future__ import annotations

from urllib.parse import urlparse

from chalice.test import Client

from chalicelib.core.settings import Settings
from tests.support.api import Browser
from tests.support.factories import (
    DEFAULT_PASSWORD,
    inbox,
    last_link,
    make_account,
    new_email,
)

SIGN_UP = {"password": DEFAULT_PASSWORD, "confirmed_password": DEFAULT_PASSWORD}


def path_of(link: str) -> str:
    return urlparse(link).path


def signed_up_and_active(browser: Browser) -> str:
    email = new_email()
    assert browser.post("/api/register/", {"email": email, **SIGN_UP}).status_code == 201
    assert browser.get(path_of(last_link(email, "/activate/"))).status_code == 200
    return email


def test_the_whole_spa_journey(browser: Browser) -> None:
    email = new_email()

    registered = browser.post("/api/register/", {"email": email, "privacy_policy": "on", **SIGN_UP})
    assert registered.status_code == 201
    [mail] = inbox(email)
    assert "Activate" in mail.subject and mail.html and mail.text
    activated = browser.get(path_of(mail.links[0]))
    assert activated.status_code == 200
    assert activated.json_body["user"]["email"] == email

    login = browser.post("/api/login/", {"email": email, "password": DEFAULT_PASSWORD})
    assert login.status_code == 200
    assert login.json_body["user"]["email"] == email
    assert login.json_body["user"]["role"] == "user"
    me = browser.get("/api/me/")
    assert me.status_code == 200
    assert me.json_body == {**login.json_body["user"], "plan": "basic", "display_name": "Viewer"}

    assert browser.post("/api/logout/").status_code == 200
    assert browser.jar == {}
    assert browser.get("/api/me/").status_code == 401


def test_login_sets_httponly_lax_cookies_with_a_path_limited_refresh(browser: Browser) -> None:
    email = signed_up_and_active(browser)

    login = browser.post("/api/login/", {"email": email, "password": DEFAULT_PASSWORD})

    cookies = login.headers["Set-Cookie"]
    assert isinstance(cookies, list) and len(cookies) == 3
    for cookie in cookies:
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert "Secure" not in cookie  # the local stage is plain HTTP
    access = [c for c in cookies if c.startswith("access_token=")]
    refresh = [c for c in cookies if c.startswith("refresh_token=")]
    assert "Path=/;" in access[0]
    assert sorted(c.split("Path=")[1].split(";")[0] for c in refresh) == [
        "/api/logout", "/api/token/refresh",
    ]
    assert "Max-Age=604800" in access[0]  # outlives its 15-min token: 401 TokenExpired


def test_refresh_rotates_and_a_replayed_refresh_ends_the_family(
    browser: Browser, api: Client
) -> None:
    email = signed_up_and_active(browser)
    browser.post("/api/login/", {"email": email, "password": DEFAULT_PASSWORD})
    stolen = Browser(api, dict(browser.jar))

    first = browser.post("/api/token/refresh/")
    assert first.status_code == 200
    assert browser.jar != stolen.jar
    # (An immediate repeat gets a grace: test_trust_accounts.py; once the owner's next
    # token was used too, the replay is a reuse.)
    assert browser.post("/api/token/refresh/").status_code == 200
    replay = stolen.post("/api/token/refresh/")
    assert replay.status_code == 401
    assert replay.json_body["reason"] == "token_reused"

    after = browser.post("/api/token/refresh/")
    assert after.status_code == 401
    assert after.json_body["reason"] == "token_revoked"


def test_refresh_without_a_cookie_is_401_in_json(browser: Browser) -> None:
    response = browser.post("/api/token/refresh/")

    assert response.status_code == 401
    assert response.json_body["Code"] == "Unauthorized"


def test_logout_revokes_the_refresh_token(browser: Browser, api: Client) -> None:
    email = signed_up_and_active(browser)
    browser.post("/api/login/", {"email": email, "password": DEFAULT_PASSWORD})
    copy = Browser(api, dict(browser.jar))

    assert browser.post("/api/logout/").json_body["detail"]
    assert copy.post("/api/token/refresh/").status_code == 401


def test_registering_a_taken_address_looks_the_same_and_warns_the_owner(
    browser: Browser,
) -> None:
    owner = make_account()
    fresh = browser.post("/api/register/", {"email": new_email(), **SIGN_UP})

    taken = browser.post("/api/register/", {"email": owner.email, **SIGN_UP})

    assert taken.status_code == fresh.status_code == 201
    assert set(taken.json_body) == set(fresh.json_body)
    assert taken.json_body["detail"] == fresh.json_body["detail"]
    [notice] = inbox(owner.email)
    assert "already" in notice.text


def test_an_inactive_account_cannot_log_in(browser: Browser) -> None:
    account = make_account(active=False)

    response = browser.post("/api/login/", {"email": account.email, "password": account.password})

    assert response.status_code == 403
    assert response.json_body["Code"] == "AccountInactive"
    assert "activat" in response.json_body["Message"]


def test_an_activation_link_works_once(browser: Browser) -> None:
    email = new_email()
    browser.post("/api/register/", {"email": email, **SIGN_UP})
    link = path_of(last_link(email, "/activate/"))

    assert browser.get(link).status_code == 200
    again = browser.get(link)
    assert again.status_code == 400
    assert again.json_body["Code"] == "InvalidInput"


def test_me_can_be_deleted_with_the_password(browser: Browser) -> None:
    email = signed_up_and_active(browser)
    browser.post("/api/login/", {"email": email, "password": DEFAULT_PASSWORD})

    wrong = browser.delete("/api/me/", {"password": "not my password"})
    assert wrong.status_code == 403
    assert browser.delete("/api/me/", {"password": DEFAULT_PASSWORD}).status_code == 204

    again = browser.post("/api/login/", {"email": email, "password": DEFAULT_PASSWORD})
    assert again.status_code == 401
    assert browser.post("/api/register/", {"email": email, **SIGN_UP}).status_code == 201


def test_cookie_writes_need_a_json_body(browser: Browser, stack: Settings) -> None:
    email = signed_up_and_active(browser)
    browser.post("/api/login/", {"email": email, "password": DEFAULT_PASSWORD})

    response = browser.delete("/api/me/", b'{"password": "x"}',
                              headers={"Content-Type": "text/plain"})

    assert response.status_code == 415
    assert browser.get("/api/me/").status_code == 200
