"""CORS: only the configured origins, with credentials, preflights on every route."""

from __future__ import annotations

import pytest
import requests
from chalice.test import Client

from chalicelib.core.clients import aws_client
from chalicelib.core.settings import Settings
from devstack.emulator import Emulator, EmulatorKind
from tests.support.api import Browser
from tests.support.catalog import make_movie
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


def test_a_page_may_read_the_next_page_link_and_retry_after(api: Client) -> None:
    """fetch() hides every header but the safelisted ones unless the API exposes them: an
    SPA's infinite scroll reads `Link`, its back-off `Retry-After`."""
    account = make_account()
    for _ in range(3):
        make_movie()
    spa = Browser(api, origin=ALLOWED)
    spa.post("/api/login/", {"email": account.email, "password": DEFAULT_PASSWORD})

    first = spa.get("/api/video/?limit=2")

    assert 'rel="next"' in first.headers["Link"]
    exposed = {h.strip() for h in first.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"Link", "Retry-After"} <= exposed


def test_redirects_and_chalices_own_errors_carry_the_headers(api: Client) -> None:
    movie = make_movie(poster_url="https://images.example/poster.jpg")
    headers = {"Origin": ALLOWED}

    redirect = api.http.get(f"/api/video/{movie.movie_id}/images/poster/", headers=headers)
    not_allowed = api.http.request("PUT", "/api/login/", headers=headers)  # Chalice's 405

    assert redirect.status_code == 302
    assert not_allowed.status_code == 405
    assert not_allowed.json_body["Code"] == "MethodNotAllowedError"
    for response in (redirect, not_allowed):
        assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
        assert response.headers["Access-Control-Allow-Credentials"] == "true"


def test_the_emulators_s3_cannot_serve_a_credentialed_player(
    api: Client, stack: Settings, emulator: Emulator
) -> None:
    """Why local cookie playback streams segments through the API: moto's S3 honours a
    bucket CORS rule for the origin but never allows credentials, so a browser would
    refuse its answers to hls.js with `withCredentials`."""
    if emulator.kind is not EmulatorKind.MOTO:
        pytest.skip("measured on moto's server; LocalStack may behave like S3")
    s3, bucket = aws_client("s3"), stack.buckets.media
    s3.put_object(Bucket=bucket, Key="cors/segment.m4s", Body=b"segment")
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [{
        "AllowedOrigins": [ALLOWED], "AllowedMethods": ["GET"], "AllowedHeaders": ["*"]}]})
    try:
        url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket,
                                                              "Key": "cors/segment.m4s"})
        answer = requests.get(url, headers={"Origin": ALLOWED}, timeout=10)
    finally:
        s3.delete_bucket_cors(Bucket=bucket)

    assert answer.headers.get("Access-Control-Allow-Origin") == ALLOWED
    assert answer.headers.get("Access-Control-Allow-Credentials") != "true"
    assert stack.cookie_segment_delivery == "proxy"
