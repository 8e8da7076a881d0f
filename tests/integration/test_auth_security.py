"""The security requirements of the auth issue, each shown against the emulator."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from chalice.test import Client
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from chalicelib.auth import service
from chalicelib.auth.accounts import find_user
from chalicelib.auth.models import TokenKey, TokenModel, UserModel
from chalicelib.auth.passwords import ITERATIONS, MEMORY_KIB
from chalicelib.core.errors import TooManyRequests, Unauthorized
from chalicelib.core.settings import Settings
from tests.support.api import Browser, bearer
from tests.support.factories import (
    DEFAULT_PASSWORD,
    inbox,
    last_link,
    make_account,
    make_admin,
    new_email,
)


def access_token(browser: Browser, email: str, password: str = DEFAULT_PASSWORD) -> str:
    response = browser.post("/auth/login/", {"email": email, "password": password})
    assert response.status_code == 200, response.json_body
    return str(response.json_body["access"])


def test_unknown_email_and_wrong_password_answer_alike(browser: Browser) -> None:
    account = make_account()

    unknown = browser.post("/api/login/", {"email": new_email(), "password": "whatever-123"})
    wrong = browser.post("/api/login/", {"email": account.email, "password": "whatever-123"})

    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json_body == wrong.json_body


def test_five_failures_lock_the_address_for_the_window(browser: Browser) -> None:
    account = make_account()
    for _ in range(5):
        browser.post("/api/login/", {"email": account.email, "password": "wrong-password"})

    locked = browser.post("/api/login/", {"email": account.email, "password": account.password})

    assert locked.status_code == 429
    assert 0 < int(locked.headers["Retry-After"]) <= 900
    assert locked.json_body["Code"] == "TooManyRequests"


def test_a_success_clears_the_failures(browser: Browser) -> None:
    account = make_account()
    for _ in range(4):
        browser.post("/api/login/", {"email": account.email, "password": "wrong-password"})
    assert browser.post("/api/login/", {"email": account.email,
                                        "password": account.password}).status_code == 200

    for _ in range(4):
        browser.post("/api/login/", {"email": account.email, "password": "wrong-password"})
    assert browser.post("/api/login/", {"email": account.email,
                                        "password": account.password}).status_code == 200


def test_concurrent_guesses_get_at_most_five_tries(stack: Settings) -> None:
    account = make_account()

    def guess(n: int) -> str:
        try:
            service.login(account.email, f"guess-number-{n}")
        except TooManyRequests:
            return "throttled"
        except Unauthorized:
            return "tried"
        return "signed in"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(guess, range(16)))

    assert outcomes.count("tried") == 5
    assert outcomes.count("throttled") == 11


def test_more_than_60_requests_a_minute_is_429(browser: Browser) -> None:
    token = access_token(browser, make_account().email)
    answers = [browser.get("/auth/protected_route/", headers=bearer(token)).status_code
               for _ in range(61)]

    assert answers[:60] == [200] * 60
    assert answers[60] == 429


def test_admin_routes_are_403_for_users_and_follow_demotion_at_once(browser: Browser) -> None:
    user, admin = make_account(), make_admin()
    user_token, admin_token = access_token(browser, user.email), access_token(browser, admin.email)

    assert browser.get(f"/api/admin/users/{user.user_id}/",
                       headers=bearer(user_token)).status_code == 403
    looked_up = browser.get(f"/api/admin/users/{user.user_id}/", headers=bearer(admin_token))
    assert looked_up.status_code == 200
    assert looked_up.json_body["email"] == user.email

    promoted = browser.request("PUT", f"/api/admin/users/{user.user_id}/role/",
                               {"role": "admin"}, headers=bearer(admin_token))
    assert promoted.json_body["role"] == "admin"
    bad_role = browser.request("PUT", f"/api/admin/users/{user.user_id}/role/",
                               {"role": "god"}, headers=bearer(admin_token))
    assert bad_role.status_code == 400
    browser.request("PUT", f"/api/admin/users/{admin.user_id}/role/", {"role": "user"},
                    headers=bearer(admin_token))
    assert browser.get(f"/api/admin/users/{user.user_id}/",
                       headers=bearer(admin_token)).status_code == 403


def test_passwords_are_stored_as_argon2id_phc(stack: Settings) -> None:
    account = make_account()

    stored = str(UserModel.get(account.user_id).password_hash)

    assert stored.startswith(f"$argon2id$v=19$m={MEMORY_KIB},t={ITERATIONS},p=1$")
    assert account.password not in stored


def test_a_weaker_hash_is_upgraded_at_login(browser: Browser) -> None:
    account = make_account()
    weak = Argon2id(salt=b"0123456789abcdef", length=32, iterations=1, lanes=1,
                    memory_cost=8 * 1024).derive_phc_encoded(account.password.encode())
    UserModel(account.user_id).update(actions=[UserModel.password_hash.set(weak)])

    assert browser.post("/api/login/", {"email": account.email,
                                        "password": account.password}).status_code == 200
    upgraded = str(UserModel.get(account.user_id).password_hash)
    assert upgraded.startswith(f"$argon2id$v=19$m={MEMORY_KIB},t={ITERATIONS},p=1$")


def test_one_time_tokens_are_stored_hashed(browser: Browser) -> None:
    email = new_email()
    browser.post("/api/register/", {"email": email, "password": DEFAULT_PASSWORD,
                                    "confirmed_password": DEFAULT_PASSWORD})
    token = last_link(email, "/activate/").rstrip("/").rsplit("/", 1)[1]
    user = find_user(email)
    assert user is not None

    stored = [t.token_id for t in TokenKey.user_index.query(user.user_id)]
    assert stored and all(token not in key for key in stored)


def test_an_expired_activation_link_is_400(browser: Browser) -> None:
    email = new_email()
    browser.post("/api/register/", {"email": email, "password": DEFAULT_PASSWORD,
                                    "confirmed_password": DEFAULT_PASSWORD})
    link = last_link(email, "/activate/")
    user = find_user(email)
    assert user is not None
    for key in TokenKey.user_index.query(user.user_id):
        TokenModel.get(key.token_id).update(actions=[TokenModel.expires_at.set(1)])

    assert browser.get("/api/activate/" + link.split("/activate/")[1]).status_code == 400


@pytest.mark.parametrize("path", [
    "/api/activate/bm9ib2R5/not-a-token/",
    "/api/activate/%%%/x/",
    "/api/activate/eyJhbGciOiJFZERTQSJ9/eyJ0eXAiOiJhY2Nlc3MifQ/",
])
def test_tampered_activation_links_are_400(browser: Browser, path: str) -> None:
    response = browser.get(path)

    assert response.status_code == 400
    assert response.json_body["Code"] == "InvalidInput"


def test_an_access_token_is_not_an_activation_token(browser: Browser) -> None:
    account = make_account(active=False)
    admin = make_admin()
    token = access_token(browser, admin.email)
    uid = last_link_uid(browser, account.email)

    assert browser.get(f"/api/activate/{uid}/{token}/").status_code == 400


def last_link_uid(browser: Browser, email: str) -> str:
    browser.post("/api/password_reset/", {"email": email})
    return last_link(email, "/password_confirm/").split("/password_confirm/")[1].split("/")[0]


@pytest.mark.parametrize("body, field", [
    ({}, "email"),
    ({"email": "a@example.com"}, "password"),
    ({"email": 42, "password": "x" * 10, "confirmed_password": "x" * 10}, "email"),
    ({"email": "not-an-address", "password": "x" * 10, "confirmed_password": "x" * 10}, "email"),
    ({"email": "a@example.com", "password": "short", "confirmed_password": "short"}, "password"),
    ({"email": "a@example.com", "password": "x" * 129, "confirmed_password": "x" * 129},
     "password"),
    ({"email": "a@example.com", "password": "x" * 10, "confirmed_password": "y" * 10},
     "password"),
    ({"email": "a@example.com", "password": ["x" * 10], "confirmed_password": ["x" * 10]},
     "password"),
])
def test_bad_registrations_are_400_naming_the_field(
    browser: Browser, body: dict[str, object], field: str
) -> None:
    response = browser.post("/api/register/", body)

    assert response.status_code == 400
    assert response.json_body["field"] == field
    assert inbox("a@example.com") == []


@pytest.mark.parametrize("path", ["/api/register/", "/api/login/", "/auth/login/",
                                  "/api/password_reset/", "/auth/token/refresh/"])
def test_malformed_json_is_400_everywhere(api: Client, path: str) -> None:
    response = api.http.post(path, headers={"Content-Type": "application/json"}, body=b"{oops")

    assert response.status_code == 400
    assert response.json_body["Code"] == "InvalidInput"


def test_login_with_wrong_types_is_400(browser: Browser) -> None:
    assert browser.post("/api/login/", {"email": "a@example.com"}).status_code == 400
    assert browser.post("/api/login/", {"email": ["a"], "password": "x"}).status_code == 400


def test_the_activation_mail_has_text_and_html(browser: Browser) -> None:
    email = new_email()
    browser.post("/api/register/", {"email": email, "password": DEFAULT_PASSWORD,
                                    "confirmed_password": DEFAULT_PASSWORD})

    [mail] = inbox(email)

    assert "Reelstack" in mail.subject
    assert mail.links[0].startswith("http://127.0.0.1:8000/api/activate/")
    assert mail.links[0] in mail.html
