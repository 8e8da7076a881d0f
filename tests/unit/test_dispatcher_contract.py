"""The dispatcher settles batches as Lambda does with ReportBatchItemFailures."""

from __future__ import annotations

from typing import Any

import pytest
from chalice.app import Chalice, SQSEvent

from chalicelib.core.batches import BatchResponse, each_message
from devstack.dispatcher import failed_message_ids, lambda_event, subscriptions

IDS = ["m1", "m2", "m3"]


@pytest.mark.parametrize("response, failed", [
    (None, []),
    ({}, []),
    ({"batchItemFailures": []}, []),
    ({"batchItemFailures": None}, []),
    ({"batchItemFailures": [{"itemIdentifier": "m2"}]}, ["m2"]),
    ({"batchItemFailures": [{"itemIdentifier": "unknown"}]}, IDS),
    ({"batchItemFailures": [{"itemIdentifier": ""}]}, IDS),
    ({"batchItemFailures": [{"wrong": "m1"}]}, IDS),
    ({"batchItemFailures": "m1"}, IDS),
    ("not a response", IDS),
])
def test_failed_messages_follow_lambdas_rules(response: Any, failed: list[str]) -> None:
    assert failed_message_ids(response, IDS) == failed


def sqs_message(message_id: str, body: str) -> dict[str, Any]:
    return {
        "MessageId": message_id, "ReceiptHandle": f"rh-{message_id}", "Body": body,
        "MD5OfBody": "x", "Attributes": {"ApproximateReceiveCount": "1"},
        "MessageAttributes": {"kind": {"StringValue": "upload", "DataType": "String"}},
    }


def test_events_have_lambdas_shape() -> None:
    event = lambda_event([sqs_message("m1", "hello")], "arn:aws:sqs:us-east-1:1:q", "us-east-1")

    [record] = event["Records"]
    assert record["messageId"] == "m1"
    assert record["receiptHandle"] == "rh-m1"
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == "arn:aws:sqs:us-east-1:1:q"
    assert record["messageAttributes"]["kind"]["stringValue"] == "upload"


def test_handlers_report_only_the_messages_that_raised() -> None:
    app = Chalice(app_name="batches")

    @app.on_sqs_message(queue="work", batch_size=5)
    def on_work(event: SQSEvent) -> BatchResponse:
        def handle(record: Any) -> None:
            if record.body == "poison":
                raise ValueError("cannot digest")
        return each_message(event, handle)

    [subscription] = subscriptions(app)
    messages = [sqs_message("m1", "ok"), sqs_message("m2", "poison"), sqs_message("m3", "ok")]
    response = subscription.handler(lambda_event(messages, "arn", "us-east-1"), None)

    assert subscription.queue_name == "work"
    assert subscription.batch_size == 5
    assert failed_message_ids(response, IDS) == ["m2"]
