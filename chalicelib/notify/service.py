"""E-mail as a queued job: enqueue from a request, send from the notifications handler.

Queuing keeps SES latency and outages out of the request path; the queue retries and
dead-letters, and each message is sent once (idempotent on its id).
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import partial
from typing import Any

from chalicelib.core import idempotency
from chalicelib.core.clients import queue_url, sqs
from chalicelib.core.errors import InvalidInput
from chalicelib.core.settings import get_settings
from chalicelib.notify import mailer
from chalicelib.notify.templates import TEMPLATES, render

logger = logging.getLogger(__name__)

EMAIL = "email"
NotificationHandler = Callable[[dict[str, Any]], object]
_handlers: dict[str, NotificationHandler] = {}


def register_notification(kind: str, handler: NotificationHandler) -> None:
    """Route another kind of notifications message to its handler (the context that sends
    such messages owns their handling; this queue only carries them)."""
    _handlers[kind] = handler


def queue_notification(kind: str, payload: dict[str, Any]) -> None:
    sqs().send_message(QueueUrl=queue_url(get_settings().queues.notifications),
                       MessageBody=json.dumps({**payload, "type": kind}))


def handle_notification(message_body: str) -> object:
    """What the notifications handler does with one message: send an e-mail job, or hand
    the message to the handler registered for its type."""
    try:
        kind = json.loads(message_body).get("type", EMAIL)
    except (ValueError, AttributeError):
        raise InvalidInput("A notification must be a JSON object.") from None
    if kind == EMAIL:
        return deliver(message_body)
    handler = _handlers.get(kind)
    if handler is None:
        raise InvalidInput(f"Unknown notification type {kind!r}.")
    return handler(json.loads(message_body))


@dataclass(frozen=True)
class EmailJob:
    job_id: str
    template: str
    to: str
    data: dict[str, str]

    @classmethod
    def from_message(cls, body: str) -> EmailJob:
        try:
            fields = json.loads(body)
            job = cls(str(fields["job_id"]), str(fields["template"]), str(fields["to"]),
                      {str(k): str(v) for k, v in dict(fields.get("data", {})).items()})
        except (ValueError, KeyError, TypeError) as error:
            raise InvalidInput(f"Not an e-mail job: {error}.") from None
        if job.template not in TEMPLATES:
            raise InvalidInput(f"Unknown e-mail template {job.template!r}.")
        return job


def queue_email(template: str, to: str, data: dict[str, str]) -> EmailJob:
    job = EmailJob(uuid.uuid4().hex, template, to, data)
    queue_notification(EMAIL, asdict(job))
    return job


def deliver(message_body: str) -> bool:
    """Send the e-mail a notifications message describes, once. True if sent now."""
    job = EmailJob.from_message(message_body)
    sent, _ = idempotency.run_once(f"email:{job.job_id}", partial(_send, job))
    return sent


def _send(job: EmailJob) -> str:
    return send_now(job.template, job.to, job.data)


def send_now(template: str, to: str, data: dict[str, str]) -> str:
    """Send one e-mail from a queue handler (callers make it idempotent); SES's id."""
    message_id = mailer.send(get_settings().ses_sender, to, render(template, data))
    logger.info("e-mail sent", extra={"template": template, "message_id": message_id})
    return message_id
