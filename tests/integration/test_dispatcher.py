"""The dispatcher: partial batch failures, retries after the visibility timeout, the DLQ."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from chalice.app import Chalice, SQSEvent

from chalicelib.core.batches import BatchResponse, each_message
from chalicelib.core.clients import aws_client
from chalicelib.core.settings import Settings
from devstack.dispatcher import QueuePoller, subscriptions


@pytest.fixture
def work_queue(stack: Settings) -> Iterator[tuple[str, str]]:
    """A queue with a 1 s visibility timeout that redrives after 5 receives."""
    sqs = aws_client("sqs")
    name = f"dispatch-{uuid.uuid4().hex[:8]}"
    dlq = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])
    queue = sqs.create_queue(QueueName=name, Attributes={
        "VisibilityTimeout": "1",
        "RedrivePolicy": json.dumps({
            "deadLetterTargetArn": dlq_arn["Attributes"]["QueueArn"], "maxReceiveCount": 5,
        }),
    })["QueueUrl"]
    yield name, dlq
    sqs.delete_queue(QueueUrl=queue)
    sqs.delete_queue(QueueUrl=dlq)


def poisoned_app(queue: str, seen: Counter[str]) -> Chalice:
    app = Chalice(app_name="dispatch-test")

    @app.on_sqs_message(queue=queue, batch_size=10)
    def on_work(event: SQSEvent) -> BatchResponse:
        def handle(record: Any) -> None:
            seen[record.body] += 1
            if record.body == "poison":
                raise ValueError("this message cannot be processed")
        return each_message(event, handle)

    return app


def test_only_the_failed_message_is_retried_until_it_reaches_the_dlq(
    work_queue: tuple[str, str],
) -> None:
    name, dlq = work_queue
    seen: Counter[str] = Counter()
    [subscription] = subscriptions(poisoned_app(name, seen))
    poller = QueuePoller(subscription)
    sqs = aws_client("sqs")
    sqs.send_message_batch(QueueUrl=poller._url, Entries=[
        {"Id": body, "MessageBody": body} for body in ("first", "poison", "second")
    ])

    first = poller.poll_once(wait_seconds=1)
    while first.received < 3:  # SQS may hand out a batch in parts
        more = poller.poll_once(wait_seconds=1)
        first.received += more.received
        first.failed += more.failed
    assert len(first.failed) == 1
    for _ in range(10):  # each retry waits out the 1 s visibility timeout
        if seen["poison"] == 5:
            break
        poller.poll_once(wait_seconds=2)
    sixth = poller.poll_once(wait_seconds=2)  # past maxReceiveCount: redriven, not delivered

    assert sixth.received == 0

    assert seen == Counter({"first": 1, "second": 1, "poison": 5})
    [dead] = sqs.receive_message(QueueUrl=dlq, WaitTimeSeconds=1)["Messages"]
    assert dead["Body"] == "poison"
    assert "Messages" not in sqs.receive_message(QueueUrl=poller._url, WaitTimeSeconds=0)


def test_a_handler_that_raises_leaves_the_whole_batch(work_queue: tuple[str, str]) -> None:
    name, _ = work_queue
    app = Chalice(app_name="dispatch-raise")

    @app.on_sqs_message(queue=name, batch_size=10)
    def on_work(event: SQSEvent) -> None:
        raise RuntimeError("the handler itself broke")

    [subscription] = subscriptions(app)
    poller = QueuePoller(subscription)
    aws_client("sqs").send_message(QueueUrl=poller._url, MessageBody="kept")

    report = poller.poll_once(wait_seconds=1)

    assert report.received == 1 and report.deleted == 0 and len(report.failed) == 1
