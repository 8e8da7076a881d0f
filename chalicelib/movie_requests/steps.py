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
STEPS = (TRIAGE, CATALOG, ACQUIRE)
REQUEST_SETTLED = "request_settled"


@dataclass(frozen=True)
class Step:
    name: str
    request_id: str

    @classmethod
    def from_message(cls, body: str) -> Step:
        try:
            fields = json.loads(body)
            step = cls(str(fields["step"]), str(fields["request_id"]))
        except (ValueError, KeyError, TypeError):
            raise InvalidInput("Not a movie request step.") from None
        if step.name not in STEPS:
            raise InvalidInput(f"Unknown movie request step {step.name!r}.")
        return step


def send(step: str, request_id: str) -> None:
    sqs().send_message(QueueUrl=queue_url(get_settings().queues.movie_requests),
                       MessageBody=json.dumps({"step": step, "request_id": request_id}))


def announce_settled(request_id: str, outcome: str | None = None, reason: str = "") -> None:
    """`outcome` (ready or failed) comes from the transcode pipeline, which does not move
    the request itself; the other steps settle the request before they announce it."""
    payload = {"request_id": request_id, "outcome": outcome, "reason": reason[:500]}
    queue_notification(REQUEST_SETTLED, payload)
