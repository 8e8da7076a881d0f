from __future__ import annotations

import pytest

from chalicelib.core import idempotency
from chalicelib.core.settings import Settings


def test_work_runs_once_per_key(stack: Settings) -> None:
    calls: list[str] = []

    def work() -> str:
        calls.append("ran")
        return "result"

    first = idempotency.run_once("job:1", work)
    second = idempotency.run_once("job:1", work)

    assert first == (True, "result")
    assert second == (False, None)
    assert calls == ["ran"]


def test_a_live_claim_blocks_a_second_worker(stack: Settings) -> None:
    assert idempotency.claim("job:2") is True

    with pytest.raises(idempotency.WorkInProgress):
        idempotency.claim("job:2")


def test_an_expired_lease_can_be_taken_over(stack: Settings) -> None:
    assert idempotency.claim("job:3", lease_seconds=-1) is True

    assert idempotency.claim("job:3") is True


def test_failed_work_can_be_retried(stack: Settings) -> None:
    def broken() -> None:
        raise RuntimeError("transient")

    with pytest.raises(RuntimeError):
        idempotency.run_once("job:4", broken)

    assert idempotency.run_once("job:4", lambda: "ok") == (True, "ok")
