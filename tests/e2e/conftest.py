"""Fixtures shared by the e2e tests: those of the in-process browser tests, and a moto
server per module for the transcoder's own tests."""

from collections.abc import Iterator

import pytest

from devstack.emulator import Emulator, start_moto
from tests.support.in_process_web import tab, web
from tests.support.network import free_port

__all__ = ["moto", "tab", "web"]


@pytest.fixture(scope="module")
def moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    emulator = start_moto(f"http://127.0.0.1:{free_port()}",
                          tmp_path_factory.mktemp("moto") / "moto.log")
    yield emulator
    emulator.stop()
