"""Signed tokens: pinned algorithm, every claim checked, one kind never taken for another."""

from __future__ import annotations

import base64
import json

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.rsa import generate_private_key

from chalicelib.auth.jwt_tokens import AUDIENCE, TokenExpired, TokenKind, issue, verify
from chalicelib.auth.keys import key_ring, private_pem
from chalicelib.core.errors import Unauthorized
from chalicelib.core.settings import Settings


def public_pem(key: Ed25519PrivateKey) -> str:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def settings(key: Ed25519PrivateKey) -> Settings:
    return Settings.from_env({"REELSTACK_JWT_PRIVATE_KEY": private_pem(key)})


def claims_of(token: str) -> dict[str, object]:
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def test_a_token_carries_every_claim_and_a_kid(settings: Settings) -> None:
    token, claims = issue(settings, TokenKind.ACCESS, "user-1", 900, role="user")

    payload = claims_of(token)
    assert set(payload) >= {"iss", "aud", "sub", "typ", "jti", "iat", "exp", "role"}
    assert payload["aud"] == AUDIENCE and payload["typ"] == "access"
    assert int(payload["exp"]) - int(payload["iat"]) == 900  # type: ignore[call-overload]
    assert jwt.get_unverified_header(token)["kid"] == key_ring(settings).signing_kid
    assert verify(settings, token, TokenKind.ACCESS) == claims


@pytest.mark.parametrize("issued, expected", [
    (TokenKind.ACCESS, TokenKind.REFRESH),
    (TokenKind.REFRESH, TokenKind.ACCESS),
    (TokenKind.PLAYBACK, TokenKind.ACCESS),
    (TokenKind.ACCESS, TokenKind.PLAYBACK),
])
def test_a_token_is_only_accepted_as_its_own_kind(
    settings: Settings, issued: TokenKind, expected: TokenKind
) -> None:
    token, _ = issue(settings, issued, "user-1", 900)

    with pytest.raises(Unauthorized):
        verify(settings, token, expected)


def test_an_expired_token_is_refused(settings: Settings) -> None:
    token, _ = issue(settings, TokenKind.ACCESS, "user-1", -1)

    with pytest.raises(Unauthorized) as refused:
        verify(settings, token, TokenKind.ACCESS)
    assert refused.value.details["reason"] == "token_expired"


def test_an_expired_access_token_says_so_in_its_own_code(settings: Settings) -> None:
    access, _ = issue(settings, TokenKind.ACCESS, "user-1", -1)
    refresh, _ = issue(settings, TokenKind.REFRESH, "user-1", -1)

    with pytest.raises(TokenExpired) as expired:
        verify(settings, access, TokenKind.ACCESS)
    with pytest.raises(Unauthorized) as ended:
        verify(settings, refresh, TokenKind.REFRESH)

    assert expired.value.to_body()["Code"] == "TokenExpired"  # an SPA refreshes and retries
    assert not isinstance(ended.value, TokenExpired)  # nothing left to refresh: sign in


def test_alg_none_is_refused(settings: Settings) -> None:
    token, _ = issue(settings, TokenKind.ACCESS, "user-1", 900)
    unsigned = jwt.encode(claims_of(token), "", algorithm="none",
                          headers={"kid": key_ring(settings).signing_kid})

    with pytest.raises(Unauthorized):
        verify(settings, unsigned, TokenKind.ACCESS)


def test_hmac_with_the_public_key_as_secret_is_refused(
    settings: Settings, key: Ed25519PrivateKey
) -> None:
    token, _ = issue(settings, TokenKind.ACCESS, "user-1", 900)
    header = {"kid": key_ring(settings).signing_kid, "alg": "HS256"}
    forged = jwt.api_jws.PyJWS().encode(
        json.dumps(claims_of(token)).encode(), public_pem(key).encode()[:32],
        algorithm="HS256", headers=header,
    )

    with pytest.raises(Unauthorized):
        verify(settings, forged, TokenKind.ACCESS)


def test_a_token_signed_by_another_key_is_refused(settings: Settings) -> None:
    stranger = private_pem(Ed25519PrivateKey.generate())
    other = Settings.from_env({"REELSTACK_JWT_PRIVATE_KEY": stranger})
    token, _ = issue(other, TokenKind.ACCESS, "user-1", 900)

    with pytest.raises(Unauthorized):
        verify(settings, token, TokenKind.ACCESS)


def test_an_rsa_signed_token_is_refused(settings: Settings) -> None:
    token, _ = issue(settings, TokenKind.ACCESS, "user-1", 900)
    rsa = generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(claims_of(token), rsa, algorithm="RS256",
                        headers={"kid": key_ring(settings).signing_kid})

    with pytest.raises(Unauthorized):
        verify(settings, forged, TokenKind.ACCESS)


@pytest.mark.parametrize("claim, value", [
    ("aud", "someone-else"), ("iss", "evil"), ("sub", None), ("jti", None), ("exp", None),
])
def test_wrong_or_missing_claims_are_refused(
    settings: Settings, key: Ed25519PrivateKey, claim: str, value: object
) -> None:
    token, _ = issue(settings, TokenKind.ACCESS, "user-1", 900)
    payload = claims_of(token)
    if value is None:
        del payload[claim]
    else:
        payload[claim] = value
    tampered = jwt.encode(payload, key, algorithm="EdDSA",
                          headers={"kid": key_ring(settings).signing_kid})

    with pytest.raises(Unauthorized):
        verify(settings, tampered, TokenKind.ACCESS)


def test_a_tampered_payload_is_refused(settings: Settings) -> None:
    token, _ = issue(settings, TokenKind.ACCESS, "user-1", 900, role="user")
    header, _, signature = token.split(".")
    payload = {**claims_of(token), "role": "admin"}
    body = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")

    with pytest.raises(Unauthorized):
        verify(settings, f"{header}.{body}.{signature}", TokenKind.ACCESS)


def test_tokens_of_a_rotated_out_key_still_verify_while_it_is_listed(
    key: Ed25519PrivateKey,
) -> None:
    old = Settings.from_env({"REELSTACK_JWT_PRIVATE_KEY": private_pem(key)})
    token, _ = issue(old, TokenKind.ACCESS, "user-1", 900)
    new_key = Ed25519PrivateKey.generate()
    rotated = Settings.from_env({"REELSTACK_JWT_PRIVATE_KEY": private_pem(new_key),
                                 "REELSTACK_JWT_PUBLIC_KEY": public_pem(key)})
    retired = Settings.from_env({"REELSTACK_JWT_PRIVATE_KEY": private_pem(new_key)})

    assert verify(rotated, token, TokenKind.ACCESS).subject == "user-1"
    with pytest.raises(Unauthorized):
        verify(retired, token, TokenKind.ACCESS)


def test_cloud_stages_need_a_configured_key() -> None:
    with pytest.raises(ValueError, match="REELSTACK_JWT_PRIVATE_KEY"):
        issue(Settings.from_env({"REELSTACK_STAGE": "prod"}), TokenKind.ACCESS, "u", 1)


def test_garbage_is_refused(settings: Settings) -> None:
    for garbage in ("", "abc", "a.b.c", "x" * 500):
        with pytest.raises(Unauthorized):
            verify(settings, garbage, TokenKind.ACCESS)
