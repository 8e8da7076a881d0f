"""CloudFront signed URLs, checked offline: the policy, its expiry, and the signature
verified with the public key of the pair."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, urlparse

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from chalicelib.core.cloudfront import CloudFrontSigner, custom_policy, url_safe_base64

NOW = 1_800_000_000
DOMAIN = "d111111abcdef8.cloudfront.net"


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def signer(key: rsa.RSAPrivateKey) -> CloudFrontSigner:
    return CloudFrontSigner(DOMAIN, "K2JCJMDEHXQW5F", key, clock=lambda: NOW + 0.7)


def decode(value: str) -> bytes:
    return base64.b64decode(value.replace("-", "+").replace("_", "=").replace("~", "/"))


def signed_parts(url: str) -> tuple[dict[str, object], bytes, bytes, str]:
    query = {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}
    policy = decode(query["Policy"])
    return json.loads(policy), policy, decode(query["Signature"]), query["Key-Pair-Id"]


def test_a_folder_is_signed_once_for_every_file_in_it(
    signer: CloudFrontSigner, key: rsa.RSAPrivateKey
) -> None:
    url_of = signer.folder_signer("videos/m1/v1/720p", seconds=3600)

    first, second = url_of("segment_000.m4s"), url_of("init.mp4")

    assert first.startswith(f"https://{DOMAIN}/videos/m1/v1/720p/segment_000.m4s?")
    assert urlparse(first).query == urlparse(second).query
    policy, raw, signature, key_id = signed_parts(first)
    assert policy == {"Statement": [{
        "Resource": f"https://{DOMAIN}/videos/m1/v1/720p/*",
        "Condition": {"DateLessThan": {"AWS:EpochTime": NOW + 3600}}}]}
    assert b" " not in raw and key_id == "K2JCJMDEHXQW5F"
    key.public_key().verify(signature, raw, padding.PKCS1v15(), hashes.SHA1())


def test_one_object_is_signed_for_itself_only(signer: CloudFrontSigner,
                                              key: rsa.RSAPrivateKey) -> None:
    url = signer.object_url("videos/m1/images/poster 1.jpg", seconds=60)

    policy, raw, signature, _ = signed_parts(url)
    assert url.startswith(f"https://{DOMAIN}/videos/m1/images/poster%201.jpg?")
    assert policy["Statement"] == [{
        "Resource": f"https://{DOMAIN}/videos/m1/images/poster%201.jpg",
        "Condition": {"DateLessThan": {"AWS:EpochTime": NOW + 60}}}]
    key.public_key().verify(signature, raw, padding.PKCS1v15(), hashes.SHA1())


def test_a_tampered_policy_fails_verification(signer: CloudFrontSigner,
                                              key: rsa.RSAPrivateKey) -> None:
    _, _, signature, _ = signed_parts(signer.object_url("videos/a.jpg", seconds=60))
    longer = custom_policy(f"https://{DOMAIN}/videos/a.jpg", NOW + 86400).encode()

    with pytest.raises(InvalidSignature):
        key.public_key().verify(signature, longer, padding.PKCS1v15(), hashes.SHA1())


def test_cloudfront_base64_has_no_characters_a_query_would_mangle() -> None:
    encoded = url_safe_base64(bytes(range(256)) * 3 + b"\xfb\xff")

    assert not set("+=/") & set(encoded)
    assert decode(encoded) == bytes(range(256)) * 3 + b"\xfb\xff"
