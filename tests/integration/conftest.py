"""Fixtures the integration tier shares: signed-in callers by role, as Bearer headers."""

from __future__ import annotations

import pytest

from tests.support.api import Browser
from tests.support.catalog import token_headers
from tests.support.factories import make_account, make_admin


@pytest.fixture
def admin(browser: Browser) -> dict[str, str]:
    return token_headers(browser, make_admin())


@pytest.fixture
def viewer(browser: Browser) -> dict[str, str]:
    return token_headers(browser, make_account())
