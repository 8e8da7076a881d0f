"""`make admin`: create an active admin, or promote an existing account."""

from __future__ import annotations

import pytest

from chalicelib.auth.accounts import create_user, find_user
from chalicelib.auth.models import UserModel
from chalicelib.auth.passwords import password_matches
from chalicelib.core.errors import Conflict
from chalicelib.core.settings import Settings
from devstack import admin


def test_it_creates_an_active_admin(stack: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert admin.main(["--email", "Boss@Example.com", "--password", "s3cret-enough"]) == 0

    user = find_user("boss@example.com")
    assert user is not None
    assert (user.role, user.is_active) == ("admin", True)
    assert password_matches("s3cret-enough", str(user.password_hash))
    assert "boss@example.com" in capsys.readouterr().out


def test_it_promotes_an_existing_account_without_a_second_one(stack: Settings) -> None:
    existing = create_user("viewer@example.com", "first-password")

    assert admin.main(["--email", "viewer@example.com", "--password", "new-password"]) == 0

    promoted = UserModel.get(existing.user_id)
    assert (promoted.role, promoted.is_active) == ("admin", True)
    assert password_matches("new-password", str(promoted.password_hash))
    assert len(list(UserModel.email_index.query("viewer@example.com"))) == 1


def test_bad_input_is_refused_with_a_message(
    stack: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert admin.main(["--email", "not-an-address", "--password", "long-enough"]) == 2
    assert admin.main(["--email", "a@example.com", "--password", "short"]) == 2
    assert "error:" in capsys.readouterr().err
    assert find_user("a@example.com") is None


def test_an_address_belongs_to_one_account(stack: Settings) -> None:
    create_user("once@example.com", "password-1")

    with pytest.raises(Conflict):
        create_user("ONCE@example.com", "password-2")
