"""The messages of the request loop: a step on the movie-requests queue, or the news that
a request settled, on the notifications queue (whose handler tells the requesters)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from chalicelib.core.clients import queue_url, sqs
from chalicelib.core.errors import InvalidInput
from chalicelib.core.settings import get_settings
from chalicelib.notify.service import queue_notification

TRIAGE, CATALOG, ACQUIRE = "triage", "catalog", "acquire"
# What an acquire task reports (transcoder/acquire.py), and its deadline's check.
ACQUIRE_PROGRESS, ACQUIRED, ACQUIRE_FAILED = "acquire_progress", "acquired", "acquire_failed"
ACQUIRE_DEADLINE = "acquire_deadline"
TASK_REPORTS = (ACQUIRE_PROGRESS, ACQUIRED, ACQUIRE_FAILED, ACQUIRE_DEADLINE)
STEPS = (TRIAGE, CATALOG, ACQUIRE, *TASK_REPORTS)
REQUEST_SETTLED = "request_settled"


@dataclass(frozen=True)
class Step:
    """A step; one that an acquire task reports (or its deadline check) names the task's
    run and says how far it got, how it ended, or when the check is due."""

    name: str
    request_id: str
    run_id: str = ""
    bytes: int = 0
    reason: str = ""
    retryable: bool = False
    due: int = 0

    @classmethod
    def from_message(cls, body: str) -> Step:
        try:
            fields = json.loads(body)
            step = cls(str(fields["step"]), str(fields["request_id"]),
                       **{name: fields[name] for name in _REPORTED if name in fields})
        except (ValueError, KeyError, TypeError):
            raise InvalidInput("Not a movie request step.") from None
        if step.name not in STEPS:
            raise InvalidInput(f"Unknown movie request step {step.name!r}.")
        if any(not isinstance(getattr(step, name), kind) or
               (kind is int and isinstance(getattr(step, name), bool))
               for name, kind in _REPORTED.items()):
            raise InvalidInput("A movie request step's fields have the wrong types.")
        if step.name in TASK_REPORTS and not step.run_id:
            raise InvalidInput(f"A {step.name} step names the task's run_id.")
        return step

    def body(self) -> str:
        reported = {name: getattr(self, name) for name in _REPORTED
                    if getattr(self, name) != getattr(Step, name)}
        return json.dumps({"step": self.name, "request_id": self.request_id, **reported})


_REPORTED: dict[str, type] = {"run_id": str, "bytes": int, "reason": str, "retryable": bool,
                              "due": int}


def send(step: str, request_id: str) -> None:
    send_step(Step(step, request_id))


def send_step(step: Step, delay_seconds: int = 0) -> None:
    sqs().send_message(QueueUrl=queue_url(get_settings().queues.movie_requests),
                       MessageBody=step.body(), DelaySeconds=delay_seconds)


def announce_settled(request_id: str, outcome: str | None = None, reason: str = "") -> None:
    """`outcome` (ready or failed) comes from the transcode pipeline, which does not move
    the request itself; the other steps settle the request before they announce it."""
    payload = {"request_id": request_id, "outcome": outcome, "reason": reason[:500]}
    queue_notification(REQUEST_SETTLED, payload)
