"""Password reset by e-mail: the same answer for every address, one use, ends sessions."""

from __future__ import annotations

from urllib.parse import urlparse

from tests.support.api import Browser
from tests.support.factories import DEFAULT_PASSWORD, inbox, last_link, make_account, new_email

NEW = "a brand new passphrase"


def confirm_path(email: str) -> str:
    return urlparse(last_link(email, "/password_confirm/")).path


def test_the_answer_is_the_same_whether_or_not_the_account_exists(browser: Browser) -> None:
    account, stranger = make_account(), new_email()

    known = browser.post("/api/password_reset/", {"email": account.email})
    unknown = browser.post("/api/password_reset/", {"email": stranger})

    assert known.status_code == unknown.status_code == 200
    assert known.json_body == unknown.json_body
    assert len(inbox(account.email)) == 1
    assert inbox(stranger) == []


def test_a_reset_changes_the_password_once_and_ends_every_session(browser: Browser) -> None:
    account = make_account()
    tokens = browser.post("/auth/login/", {"email": account.email,
                                           "password": DEFAULT_PASSWORD}).json_body
    browser.post("/api/password_reset/", {"email": account.email})
    path = confirm_path(account.email)

    mismatch = browser.post(path, {"new_password": NEW, "confirm_password": NEW + "!"})
    assert mismatch.status_code == 400
    done = browser.post(path, {"new_password": NEW, "confirm_password": NEW})
    assert done.status_code == 200
    assert browser.post(path, {"new_password": NEW, "confirm_password": NEW}).status_code == 400

    old = browser.post("/api/login/", {"email": account.email, "password": DEFAULT_PASSWORD})
    assert old.status_code == 401
    assert browser.post("/api/login/", {"email": account.email, "password": NEW}).status_code == 200
    revoked = browser.post("/auth/token/refresh/", {"refresh": tokens["refresh"]})
    assert revoked.status_code == 401


def test_a_reset_link_is_not_an_activation_link(browser: Browser) -> None:
    account = make_account(active=False)
    browser.post("/api/password_reset/", {"email": account.email})
    uid_and_token = confirm_path(account.email).split("/password_confirm/")[1]

    assert browser.get("/api/activate/" + uid_and_token).status_code == 400
