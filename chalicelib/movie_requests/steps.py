"""The messages of the request loop: a step on the movie-requests queue, or the news that
a request settled, on the notifications queue (whose handler tells the requesters)."""

from __future__ import annotations

import msgspec

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


class Step(msgspec.Struct, frozen=True, omit_defaults=True):
    """A step; one that an acquire task reports (or its deadline check) names the task's
    run and says how far it got, how it ended, or when the check is due. Fields a newer
    task adds are ignored; a report's fields left out keep their defaults (and a default
    is not sent)."""

    name: str = msgspec.field(name="step")
    request_id: str
    run_id: str = ""
    bytes: int = 0
    reason: str = ""
    retryable: bool = False
    due: int = 0

    @classmethod
    def from_message(cls, body: str) -> Step:
        try:
            step = msgspec.json.decode(body, type=cls)
        except msgspec.DecodeError as error:  # ValidationError too: it names the field
            raise InvalidInput(f"Not a movie request step: {error}.") from None
        if step.name not in STEPS:
            raise InvalidInput(f"Unknown movie request step {step.name!r}.")
        if step.name in TASK_REPORTS and not step.run_id:
            raise InvalidInput(f"A {step.name} step names the task's run_id.")
        return step

    def body(self) -> str:
        return msgspec.json.encode(self).decode()


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
