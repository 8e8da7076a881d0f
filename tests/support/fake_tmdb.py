"""The fake TMDb (devstack/fake_tmdb.py, which `make run` also uses) as a fixture."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devstack.fake_tmdb import TINY_JPEG, TINY_PNG, FakeTmdb

__all__ = ["TINY_JPEG", "TINY_PNG", "FakeTmdb", "fake_tmdb", "fake_tmdb_fixture"]


@pytest.fixture(name="fake_tmdb")
def fake_tmdb_fixture() -> Iterator[FakeTmdb]:
    """A started FakeTmdb that accepts any credentials, stopped after the test.

    A test module that names `fake_tmdb` as a parameter imports `fake_tmdb_fixture`, so
    ruff does not see the parameter redefine the import (F811); a conftest may import either.
    """
    with FakeTmdb() as tmdb:
        yield tmdb


fake_tmdb = fake_tmdb_fixture
