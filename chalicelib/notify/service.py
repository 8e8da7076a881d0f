"""E-mail as a queued job: enqueue from a request, send from the notifications handler.

Queuing keeps SES latency and outages out of the request path; the queue retries and
dead-letters, and each message is sent once (idempotent on its id).
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from functools import partial
from typing import Any

import msgspec

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
        kind = msgspec.json.decode(message_body, type=_Envelope).type
    except msgspec.DecodeError:
        raise InvalidInput("A notification must be a JSON object with a string type.") \
            from None
    if kind == EMAIL:
        return deliver(message_body)
    handler = _handlers.get(kind)
    if handler is None:
        raise InvalidInput(f"Unknown notification type {kind!r}.")
    return handler(json.loads(message_body))


class _Envelope(msgspec.Struct, frozen=True):
    """What is read of a message before its kind is known (the rest is its handler's)."""

    type: str = EMAIL  # e-mail jobs queued before other kinds existed have none


class EmailJob(msgspec.Struct, frozen=True):
    """An e-mail to send once; its message also carries `type`, which is not read here."""

    job_id: str
    template: str
    to: str
    data: dict[str, str] = msgspec.field(default_factory=dict)

    @classmethod
    def from_message(cls, body: str) -> EmailJob:
        try:
            job = msgspec.json.decode(body, type=cls)
        except msgspec.DecodeError as error:  # ValidationError too: it names the field
            raise InvalidInput(f"Not an e-mail job: {error}.") from None
        if job.template not in TEMPLATES:
            raise InvalidInput(f"Unknown e-mail template {job.template!r}.")
        return job


def queue_email(template: str, to: str, data: dict[str, str]) -> EmailJob:
    job = EmailJob(uuid.uuid4().hex, template, to, data)
    queue_notification(EMAIL, msgspec.structs.asdict(job))
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
