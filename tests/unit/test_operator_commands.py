"""`make admin` and `make mail` when no stack runs: one line, no traceback; and `make
admin`'s password prompt."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chalicelib.core.errors import ReelstackError
from chalicelib.core.settings import reload_settings
from devstack import admin, mailbox
from tests.support.network import free_port


@pytest.fixture
def nothing_running(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    endpoint = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    yield endpoint
    monkeypatch.undo()
    reload_settings()


def test_make_admin_without_a_stack_says_so_in_one_line(
    nothing_running: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert admin.main(["--email", "boss@example.com", "--password", "long enough"]) == 1
    err = capsys.readouterr().err
    assert err == (f"error: nothing answers at {nothing_running}: start the stack with "
                   "`make run` first\n")


def test_make_mail_without_a_stack_says_so_in_one_line(
    nothing_running: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.argv", ["mailbox"])
    with pytest.raises(SystemExit) as exited:
        mailbox.main()
    assert str(exited.value.code) == (f"error: nothing answers at {nothing_running}: start "
                                      "the stack with `make run` first")


def test_make_admin_asks_for_the_password_twice() -> None:
    typed = iter(["a long passphrase", "a long passphrase"])
    assert admin.asked_password("boss@example.com", lambda prompt: next(typed)) == (
        "a long passphrase")
    differing = iter(["a long passphrase", "a typo"])
    with pytest.raises(ReelstackError, match="differ"):
        admin.asked_password("boss@example.com", lambda prompt: next(differing))
