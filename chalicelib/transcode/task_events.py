"""ECS task-state changes, which EventBridge routes to the transcode-events queue.

In the cloud nobody watches the transcoder's process: a task that is killed (out of
memory, a Spot reclaim) or never starts (the image cannot be pulled) sends no closing
event, and its movie would stay `processing`. EventBridge reports every stopped task
of the cluster; one whose transcoder did not report for itself becomes the failed event
it could not send. The transcoder reports itself when it exits 0, 1 or 2.
"""

from __future__ import annotations

from typing import Any

from chalicelib.transcode.jobs import run_id_of, unreported_failure
from chalicelib.transcode.runners import SELF_REPORTED_EXITS

TASK_STATE_CHANGE = ("aws.ecs", "ECS Task State Change")


def is_task_state_change(message: dict[str, Any]) -> bool:
    return (message.get("source"), message.get("detail-type")) == TASK_STATE_CHANGE


def unreported_stop(message: dict[str, Any], container: str) -> dict[str, Any] | None:
    """The failed event for a stopped transcoder task that did not report; None when the
    task is still running, reported for itself, or is not a transcoder task."""
    detail = message.get("detail") or {}
    if detail.get("lastStatus") != "STOPPED":
        return None
    overrides = (detail.get("overrides") or {}).get("containerOverrides") or []
    command = next((o.get("command") or [] for o in overrides if o.get("name") == container),
                   [])
    run_id = run_id_of(command)
    if run_id is None:
        return None
    state: dict[str, Any] = next(
        (c for c in detail.get("containers") or [] if c.get("name") == container), {})
    exit_code = state.get("exitCode")
    if exit_code in SELF_REPORTED_EXITS:
        return None
    why = state.get("reason") or detail.get("stoppedReason") or detail.get("stopCode")
    ended = "never started" if exit_code is None else f"exited with code {exit_code}"
    return unreported_failure(run_id, f"the transcoder task {ended}: {why or 'no reason given'}")
