"""Deadlines of running transcodes, kept by delayed messages rather than by a process.

A transcoder that dies while nothing watches it (its host lost, `make run` stopped and
started again, an ECS task gone without a stopped event) sends no closing event, and its
movie would stay `processing` for good. So each attempt of a job has a deadline, pushed
back whenever its transcoder is heard from, and one *check* waiting on the transcode-events
queue, delayed until that deadline. Its handler loads the job by key: an attempt still
running past its deadline is the failure its transcoder could not report, and goes the way
of any other (retried while attempts are left, then the movie fails with the reason). SQS
delays a message 15 minutes at most, so a later deadline is reached by a chain of checks,
each sent by the one before.

Why delayed messages: they behave the same on moto, LocalStack and AWS, delivered by
Lambda or by the dev stack's dispatcher, and no process of ours has to stay up for them.
DynamoDB's TTL deletes items up to days late (and emulators never do); EventBridge
Scheduler has no local runtime.

How long a transcoder may be silent: ffmpeg reports progress every few seconds, but nothing
is said while the task starts, downloads and probes the source, and uploads the ladder. The
transfers take time in proportion to the source's bytes, so the allowance is
`silence_seconds` (a setting) plus the source's bytes at a pessimistic transfer rate.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from chalicelib.core.clients import queue_url, sqs
from chalicelib.core.errors import InvalidInput
from chalicelib.core.settings import Transcoding, get_settings

CHECK = "deadline"  # the event type of a check on the transcode-events queue
MAX_DELAY_SECONDS = 900  # SQS's DelaySeconds limit
TRANSFER_BYTES_PER_SECOND = 10 * 1024 * 1024
MAX_RENEWAL_STEP_SECONDS = 60


@dataclass(frozen=True)
class DeadlineCheck:
    """The message: check attempt `run_id` of a job once `due` (epoch seconds) is reached."""

    run_id: str
    due: int

    @classmethod
    def parse(cls, event: Mapping[str, Any]) -> DeadlineCheck:
        run_id, due = event.get("job_id"), event.get("due")
        if not isinstance(run_id, str) or isinstance(due, bool) or not isinstance(due, int):
            raise InvalidInput("A deadline check needs job_id and due (epoch seconds).")
        return cls(run_id, due)

    def body(self) -> str:
        return json.dumps({"type": CHECK, "job_id": self.run_id, "due": self.due})


def silence_allowed(settings: Transcoding, source_bytes: int) -> int:
    """Seconds a running transcoder of this source may go without being heard from."""
    return settings.silence_seconds + math.ceil(max(0, source_bytes) / TRANSFER_BYTES_PER_SECOND)


def deadline_from(now: float, allowed: int) -> int:
    return math.ceil(now) + allowed


def worth_renewing(current: int, renewed: int, allowed: int) -> bool:
    """Progress arrives every few seconds; moving the deadline once a minute (or a quarter
    of the allowance, if that is less) keeps it ahead with a write a minute per job."""
    return renewed - current >= min(MAX_RENEWAL_STEP_SECONDS, allowed // 4)


def schedule_check(run_id: str, deadline_at: int, now: float) -> int:
    """Send the check of attempt `run_id`, due at its deadline or as late as SQS can delay
    it; returns the due time, which the job records as `check_due` (only the check whose
    due matches acts, so a duplicate delivery forks no second chain).

    Send it before committing the attempt it watches: a crash in between leaves a check
    that finds nothing to do, never an attempt that nothing checks.
    """
    at = int(now)
    delay = max(0, min(MAX_DELAY_SECONDS, deadline_at - at))
    sqs().send_message(QueueUrl=queue_url(get_settings().queues.transcode_events),
                       MessageBody=DeadlineCheck(run_id, at + delay).body(),
                       DelaySeconds=delay)
    return at + delay
