"""ECS task-state changes, which EventBridge routes to the transcode-events queue.

In the cloud nobody watches the transcoder's process: a task that is killed (out of
memory, a Spot reclaim) or never starts (the image cannot be pulled) sends no closing
event, and its movie would stay `processing`. EventBridge reports every stopped task
of the cluster; one whose transcoder did not report for itself becomes the failed event
it could not send. The transcoder reports itself when it exits 0, 1 or 2.
"""

from __future__ import annotations

from typing import Any

import msgspec

from chalicelib.transcode.jobs import run_id_of, unreported_failure
from chalicelib.transcode.runners import SELF_REPORTED_EXITS

TASK_STATE_CHANGE = ("aws.ecs", "ECS Task State Change")


# The part of EventBridge's "ECS Task State Change" read here; AWS sends much more, and
# every field may be missing from a task that never started.
class _Override(msgspec.Struct, frozen=True):
    name: str | None = None
    command: list[str] | None = None


class _Overrides(msgspec.Struct, frozen=True, rename="camel"):
    container_overrides: list[_Override] | None = None


class _Container(msgspec.Struct, frozen=True, rename="camel"):
    name: str | None = None
    exit_code: int | None = None
    reason: str | None = None


class _TaskDetail(msgspec.Struct, frozen=True, rename="camel"):
    last_status: str | None = None
    overrides: _Overrides | None = None
    containers: list[_Container] | None = None
    stopped_reason: str | None = None
    stop_code: str | None = None


def is_task_state_change(message: dict[str, Any]) -> bool:
    return (message.get("source"), message.get("detail-type")) == TASK_STATE_CHANGE


def unreported_stop(message: dict[str, Any], container: str) -> dict[str, Any] | None:
    """The failed event for a stopped transcoder task that did not report; None when the
    task is still running, reported for itself, or is not a transcoder task (or the
    change is not one this reads)."""
    try:
        detail = msgspec.convert(message.get("detail") or {}, _TaskDetail)
    except msgspec.ValidationError:
        return None
    if detail.last_status != "STOPPED":
        return None
    overrides = (detail.overrides.container_overrides if detail.overrides else None) or []
    command = next((o.command or [] for o in overrides if o.name == container), [])
    run_id = run_id_of(command)
    if run_id is None:
        return None
    state = next((c for c in detail.containers or [] if c.name == container), _Container())
    if state.exit_code in SELF_REPORTED_EXITS:
        return None
    why = state.reason or detail.stopped_reason or detail.stop_code
    ended = "never started" if state.exit_code is None else f"exited with code {state.exit_code}"
    return unreported_failure(run_id, f"the transcoder task {ended}: {why or 'no reason given'}")
