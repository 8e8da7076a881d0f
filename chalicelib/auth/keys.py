"""JWT keys: one Ed25519 signing key, verifying keys by `kid` so keys can rotate."""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from dataclasses import dataclass
from functools import lru_cache

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from chalicelib.core.settings import Settings

logger = logging.getLogger(__name__)

PEM_BLOCK = re.compile(r"-----BEGIN PUBLIC KEY-----.+?-----END PUBLIC KEY-----", re.S)


@dataclass(frozen=True)
class KeyRing:
    signing_key: Ed25519PrivateKey
    signing_kid: str
    verifying_keys: dict[str, Ed25519PublicKey]


def key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.urlsafe_b64encode(hashlib.sha256(raw).digest()[:12]).decode().rstrip("=")


def private_pem(key: Ed25519PrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


@lru_cache(maxsize=1)
def _process_key() -> Ed25519PrivateKey:
    # Fine for one process; `make run` shares a key file between its processes instead.
    logger.warning("no JWT key configured: using a key generated for this process")
    return Ed25519PrivateKey.generate()


@lru_cache(maxsize=4)
def key_ring(settings: Settings) -> KeyRing:
    if settings.jwt_private_key:
        loaded = serialization.load_pem_private_key(settings.jwt_private_key.encode(), None)
        if not isinstance(loaded, Ed25519PrivateKey):
            raise ValueError("REELSTACK_JWT_PRIVATE_KEY must be an Ed25519 private key (PEM)")
        signing = loaded
    elif settings.is_local:
        signing = _process_key()
    else:
        raise ValueError("REELSTACK_JWT_PRIVATE_KEY is required outside the local stage")
    verifying = {key_id(signing.public_key()): signing.public_key()}
    for block in PEM_BLOCK.findall(settings.jwt_public_key):
        public = serialization.load_pem_public_key(block.encode())
        if isinstance(public, Ed25519PublicKey):
            verifying[key_id(public)] = public
    return KeyRing(signing, key_id(signing.public_key()), verifying)
