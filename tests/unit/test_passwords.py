from __future__ import annotations

from chalicelib.auth.passwords import hash_password, password_matches


def test_a_hash_is_argon2id_salted_and_verifiable() -> None:
    first, second = hash_password("correct horse"), hash_password("correct horse")

    assert first.startswith("$argon2id$")
    assert first != second
    assert password_matches("correct horse", first)
    assert not password_matches("wrong horse", first)
    assert not password_matches("correct horse", "not a hash")
