"""Fixtures the integration tier shares: signed-in callers by role, as Bearer headers; a
task runner that records the jobs it is given."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chalicelib.core.settings import Settings, reload_settings
from tests.support.api import Browser
from tests.support.catalog import token_headers
from tests.support.factories import make_account, make_admin
from tests.support.fake_tmdb import FakeTmdb
from tests.support.uploads import RecordingRunner


@pytest.fixture
def admin(browser: Browser) -> dict[str, str]:
    return token_headers(browser, make_admin())


@pytest.fixture
def viewer(browser: Browser) -> dict[str, str]:
    return token_headers(browser, make_account())


@pytest.fixture
def runner() -> RecordingRunner:
    return RecordingRunner()


@pytest.fixture
def tmdb(stack: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeTmdb]:
    """A local TMDb the app is pointed at for one test."""
    with FakeTmdb() as fake:
        for name, value in fake.environ().items():
            monkeypatch.setenv(name, value)
        reload_settings()
        yield fake
    monkeypatch.undo()
    reload_settings()
