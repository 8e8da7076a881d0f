"""Password hashing with Argon2id (OWASP's minimum: 19 MiB, 2 passes, 1 lane)."""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidKey
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

MEMORY_KIB = 19 * 1024
ITERATIONS = 2
LANES = 1


def hash_password(password: str) -> str:
    kdf = Argon2id(
        salt=os.urandom(16), length=32, iterations=ITERATIONS, lanes=LANES, memory_cost=MEMORY_KIB
    )
    return kdf.derive_phc_encoded(password.encode())


def password_matches(password: str, encoded: str) -> bool:
    try:
        Argon2id.verify_phc_encoded(password.encode(), encoded)
    except (InvalidKey, ValueError):
        return False
    return True
