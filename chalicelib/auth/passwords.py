"""Password hashing with Argon2id (at least OWASP's minimum: 19 MiB, 2 passes, 1 lane)."""

from __future__ import annotations

import os
import re
from functools import lru_cache

from cryptography.exceptions import InvalidKey
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from chalicelib.core.errors import InvalidInput

MEMORY_KIB = 19 * 1024
ITERATIONS = 2
LANES = 1
MIN_LENGTH, MAX_LENGTH = 8, 128
PHC_PARAMS = re.compile(r"^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$")


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


def needs_rehash(encoded: str) -> bool:
    """True when the stored hash was made with other parameters than today's."""
    found = PHC_PARAMS.match(encoded)
    return found is None or tuple(map(int, found.groups())) != (MEMORY_KIB, ITERATIONS, LANES)


def check_new_password(password: str, confirmation: str | None,
                       field: str = "password") -> str:
    if not password:
        raise InvalidInput(f"{field} is required.", field=field)
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise InvalidInput(
            f"The password must have {MIN_LENGTH} to {MAX_LENGTH} characters.", field=field
        )
    if confirmation != password:
        raise InvalidInput("The passwords do not match.", field=field)
    return password


@lru_cache(maxsize=1)
def decoy_hash() -> str:
    """Verified against when the account does not exist, so both answers take as long
    (made on first use: hashing at import would slow every cold start)."""
    return hash_password("reelstack-decoy-password")
