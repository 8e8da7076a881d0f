"""E-mail as a queued job: enqueue from a request, send from the notifications handler.

Queuing keeps SES latency and outages out of the request path; the queue retries and
dead-letters, and each message is sent once (idempotent on its id).
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import asdict, dataclass
from functools import partial

from chalicelib.core import idempotency
from chalicelib.core.clients import queue_url, sqs
from chalicelib.core.errors import InvalidInput
from chalicelib.core.settings import get_settings
from chalicelib.notify import mailer
from chalicelib.notify.templates import TEMPLATES, render

logger = logging.getLogger(__name__)


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
    settings = get_settings()
    sqs().send_message(
        QueueUrl=queue_url(settings.queues.notifications),
        MessageBody=json.dumps({"type": "email", **asdict(job)}),
    )
    return job


def deliver(message_body: str) -> bool:
    """Send the e-mail a notifications message describes, once. True if sent now."""
    job = EmailJob.from_message(message_body)
    sent, _ = idempotency.run_once(f"email:{job.job_id}", partial(_send, job))
    return sent


def _send(job: EmailJob) -> str:
    message_id = mailer.send(get_settings().ses_sender, job.to, render(job.template, job.data))
    logger.info("e-mail sent", extra={"template": job.template, "message_id": message_id})
    return message_id
