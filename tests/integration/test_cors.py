"""CORS: only the configured origins, with credentials, preflights on every route."""

from __future__ import annotations

import pytest
from chalice.test import Client

from chalicelib.core.settings import Settings
from tests.support.api import Browser
from tests.support.factories import DEFAULT_PASSWORD, make_account

ALLOWED = "http://127.0.0.1:8080"


@pytest.fixture(autouse=True)
def allowed_origins(monkeypatch: pytest.MonkeyPatch, stack: Settings) -> None:
    from chalicelib.core.settings import reload_settings

    monkeypatch.setenv("REELSTACK_CORS_ORIGINS", f"{ALLOWED},http://localhost:5500")
    reload_settings()


def preflight(api: Client, path: str, origin: str, method: str = "POST") -> object:
    return api.http.request("OPTIONS", path, headers={
        "Origin": origin, "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "content-type",
    })


@pytest.mark.parametrize("path", ["/api/login/", "/api/me/", "/api/health/",
                                  "/api/activate/abc/def/", "/auth/protected_route/"])
def test_preflights_from_an_allowed_origin_are_answered(api: Client, path: str) -> None:
    response = preflight(api, path, ALLOWED)

    assert response.status_code == 204  # type: ignore[attr-defined]
    headers = response.headers  # type: ignore[attr-defined]
    assert headers["Access-Control-Allow-Origin"] == ALLOWED
    assert headers["Access-Control-Allow-Credentials"] == "true"
    assert "Content-Type" in headers["Access-Control-Allow-Headers"]
    assert "POST" in headers["Access-Control-Allow-Methods"]


def test_other_origins_get_no_cors_headers(api: Client) -> None:
    refused = preflight(api, "/api/login/", "https://evil.example")

    assert refused.status_code == 403  # type: ignore[attr-defined]
    assert "Access-Control-Allow-Origin" not in refused.headers  # type: ignore[attr-defined]
    plain = api.http.get("/api/health/", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in plain.headers


def test_responses_and_errors_carry_the_headers_for_allowed_origins(api: Client) -> None:
    account = make_account()
    spa = Browser(api, origin=ALLOWED)

    login = spa.post("/api/login/", {"email": account.email, "password": DEFAULT_PASSWORD})
    failed = spa.post("/api/login/", {"email": account.email, "password": "wrong-one!"})

    for response in (login, failed):
        assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
        assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert failed.status_code == 401
