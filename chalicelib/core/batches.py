"""SQS batches with partial failure: only the messages that failed are retried.

Handlers return `{"batchItemFailures": [...]}` (Lambda's ReportBatchItemFailures
contract); the SQS event source must enable that response type, and the dev stack's
dispatcher honours it the same way. Work claimed while a batch runs is leased for as long
as the invocation has left (`idempotency.within_invocation`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from chalice.app import SQSEvent, SQSRecord

from chalicelib.core.idempotency import within_invocation

logger = logging.getLogger(__name__)

BatchResponse = dict[str, list[dict[str, str]]]


def message_id(record: SQSRecord) -> str:
    return str(record.to_dict()["messageId"])


def receive_count(record: SQSRecord) -> int:
    """How many times SQS has delivered this message (1 on the first delivery)."""
    attributes = record.to_dict().get("attributes") or {}
    return int(attributes.get("ApproximateReceiveCount") or 1)


def each_message(event: SQSEvent, handle: Callable[[SQSRecord], Any]) -> BatchResponse:
    """Call `handle` for every message; report the ones that raised as failures."""
    failures = []
    with within_invocation(event.context):
        for record in event:
            try:
                handle(record)
            except Exception:
                logger.exception("message failed", extra={"message_id": message_id(record)})
                failures.append({"itemIdentifier": message_id(record)})
    return {"batchItemFailures": failures}
