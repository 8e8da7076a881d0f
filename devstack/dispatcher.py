"""The local stand-in for Lambda's SQS event source mappings.

For every `@app.on_sqs_message` handler it long-polls the queue, hands the handler a
Lambda-shaped event, and settles the batch as Lambda does with ReportBatchItemFailures:
messages the handler reports as failed (or the whole batch, if it raises or answers
something malformed) are left alone, so they reappear after the visibility timeout and
the queue's RedrivePolicy moves them to the DLQ after maxReceiveCount; the rest are
deleted. Each invocation gets a context whose remaining time counts down from the
function's `lambda_timeout` in `.chalice/config.json`, as Lambda's does.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chalice.app import Chalice, SQSEventConfig
from chalice.config import Config
from chalice.constants import DEFAULT_LAMBDA_TIMEOUT

from chalicelib.core.clients import aws_client, queue_url
from chalicelib.core.settings import get_settings

logger = logging.getLogger(__name__)

MAX_RECEIVE_BATCH = 10  # SQS ReceiveMessage maximum
CHALICE_CONFIG = Path(__file__).resolve().parents[1] / ".chalice" / "config.json"
LOCAL_STAGE = "local"
LambdaHandler = Callable[[dict[str, Any], Any], Any]


@dataclass(frozen=True)
class QueueSubscription:
    """One Chalice SQS handler and the queue it consumes."""

    handler_name: str
    queue_name: str
    batch_size: int
    handler: LambdaHandler
    timeout_seconds: float = DEFAULT_LAMBDA_TIMEOUT


@dataclass
class DeliveryReport:
    received: int = 0
    deleted: int = 0
    failed: list[str] = field(default_factory=list)


@dataclass
class LambdaContext:
    """The parts of Lambda's context object handlers may read."""

    function_name: str
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    memory_limit_in_mb: int = 512
    timeout_seconds: float = 60.0
    started: float = field(default_factory=time.monotonic)

    def get_remaining_time_in_millis(self) -> int:
        return int(max(0.0, self.timeout_seconds - (time.monotonic() - self.started)) * 1000)


def lambda_timeout(function_name: str, config_path: Path = CHALICE_CONFIG,
                   stage: str = LOCAL_STAGE) -> int:
    """The function's timeout as `chalice deploy` reads it (stage, function, defaults)."""
    on_disk = json.loads(config_path.read_text()) if config_path.exists() else {}
    config = Config(chalice_stage=stage, function_name=function_name,
                    config_from_disk=on_disk)
    return int(config.lambda_timeout or DEFAULT_LAMBDA_TIMEOUT)


def subscriptions(app: Chalice, config_path: Path = CHALICE_CONFIG) -> list[QueueSubscription]:
    return [
        QueueSubscription(
            handler_name=source.name,
            queue_name=source.queue,
            batch_size=min(source.batch_size, MAX_RECEIVE_BATCH),
            handler=app.handler_map[source.name],
            timeout_seconds=lambda_timeout(source.name, config_path),
        )
        for source in app.event_sources
        if isinstance(source, SQSEventConfig) and source.queue
    ]


def lambda_event(messages: list[dict[str, Any]], queue_arn: str, region: str) -> dict[str, Any]:
    return {"Records": [_record(message, queue_arn, region) for message in messages]}


def _record(message: dict[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    attributes = {
        name: {
            "stringValue": value.get("StringValue"),
            "binaryValue": value.get("BinaryValue"),
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": value["DataType"],
        }
        for name, value in message.get("MessageAttributes", {}).items()
    }
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": attributes,
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


def failed_message_ids(response: Any, message_ids: list[str]) -> list[str]:
    """Which messages Lambda would retry, given what the handler answered."""
    if response is None or response == {}:
        return []
    failures = response.get("batchItemFailures") if isinstance(response, dict) else None
    if failures is None:
        return [] if isinstance(response, dict) else list(message_ids)
    if not isinstance(failures, list):
        return list(message_ids)
    named = [f.get("itemIdentifier") if isinstance(f, dict) else None for f in failures]
    if any(not isinstance(n, str) or n not in message_ids for n in named):
        return list(message_ids)  # malformed: Lambda fails the whole batch
    return [message_id for message_id in message_ids if message_id in named]


class QueuePoller:
    """Delivers one queue's messages to one handler."""

    def __init__(self, subscription: QueueSubscription, wait_seconds: int = 10) -> None:
        self.subscription = subscription
        self.wait_seconds = wait_seconds
        self._sqs = aws_client("sqs")
        self._url = queue_url(subscription.queue_name)
        self._arn = self._sqs.get_queue_attributes(
            QueueUrl=self._url, AttributeNames=["QueueArn"]
        )["Attributes"]["QueueArn"]

    def poll_once(self, wait_seconds: int | None = None) -> DeliveryReport:
        wait = self.wait_seconds if wait_seconds is None else wait_seconds
        messages = self._sqs.receive_message(
            QueueUrl=self._url,
            MaxNumberOfMessages=self.subscription.batch_size,
            WaitTimeSeconds=wait,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return DeliveryReport()
        return self._deliver(messages)

    def _deliver(self, messages: list[dict[str, Any]]) -> DeliveryReport:
        ids = [m["MessageId"] for m in messages]
        event = lambda_event(messages, self._arn, get_settings().region)
        try:
            response = self.subscription.handler(event, LambdaContext(
                self.subscription.handler_name,
                timeout_seconds=self.subscription.timeout_seconds))
        except Exception:
            logger.exception("handler %s raised: the batch will be retried",
                             self.subscription.handler_name)
            response = {"batchItemFailures": [{"itemIdentifier": i} for i in ids]}
        failed = failed_message_ids(response, ids)
        done = [m for m in messages if m["MessageId"] not in failed]
        for start in range(0, len(done), MAX_RECEIVE_BATCH):
            self._sqs.delete_message_batch(QueueUrl=self._url, Entries=[
                {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]}
                for n, m in enumerate(done[start:start + MAX_RECEIVE_BATCH])
            ])
        return DeliveryReport(received=len(messages), deleted=len(done), failed=failed)


class EventDispatcher:
    """One polling thread per subscription, until `stop()`."""

    def __init__(self, app: Chalice, wait_seconds: int = 5) -> None:
        self.pollers = [QueuePoller(s, wait_seconds) for s in subscriptions(app)]
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for poller in self.pollers:
            thread = threading.Thread(
                target=self._run, args=(poller,), name=poller.subscription.handler_name,
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 1) -> None:
        """Stop polling; a thread still in a long poll ends with the process (daemon)."""
        self._stopping.set()
        for thread in self._threads:
            thread.join(timeout)

    def _run(self, poller: QueuePoller) -> None:
        while not self._stopping.is_set():
            try:
                report = poller.poll_once()
            except Exception:
                if self._stopping.is_set():
                    return
                logger.exception("polling %s failed; retrying", poller.subscription.queue_name)
                self._stopping.wait(2)
                continue
            if report.received:
                logger.info("delivered", extra={
                    "handler": poller.subscription.handler_name,
                    "received": report.received, "failed": len(report.failed),
                })
