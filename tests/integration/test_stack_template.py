"""The template deploys on the emulator and every resource it names exists as specified."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest

from chalicelib.core.clients import aws_client
from chalicelib.core.settings import Queues, Settings
from devstack.deploy import delete_stack, deploy_stack
from devstack.emulator import Emulator


@pytest.fixture(scope="module")
def fresh_stack(
    deployed_stack: Settings, emulator: Emulator
) -> Iterator[tuple[Settings, dict[str, str]]]:
    """A stack of its own, so these tests see a first deployment."""
    settings = Settings.from_env({
        "REELSTACK_PREFIX": f"rs-{uuid.uuid4().hex[:8]}",
        "AWS_ENDPOINT_URL": emulator.endpoint,
    })
    outputs = deploy_stack(settings)
    yield settings, outputs
    delete_stack(settings)


def test_every_output_resource_exists(fresh_stack: tuple[Settings, dict[str, str]]) -> None:
    settings, outputs = fresh_stack
    dynamodb, s3, sqs = aws_client("dynamodb"), aws_client("s3"), aws_client("sqs")

    for table in vars(settings.tables).values():
        assert dynamodb.describe_table(TableName=table)["Table"]["TableStatus"] == "ACTIVE"
    for bucket in vars(settings.buckets).values():
        s3.head_bucket(Bucket=bucket)
    for key, value in outputs.items():
        if key.endswith("QueueUrl"):
            queue_name = value.rsplit("/", 1)[1]
            assert sqs.get_queue_url(QueueName=queue_name)["QueueUrl"]
    assert len(outputs) == 30


def test_queues_redrive_to_their_dead_letter_queue(
    fresh_stack: tuple[Settings, dict[str, str]],
) -> None:
    settings, _ = fresh_stack
    sqs = aws_client("sqs")

    for queue in settings.queues.all().values():
        url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        redrive = json.loads(attributes["RedrivePolicy"])
        assert redrive["deadLetterTargetArn"].endswith(":" + Queues.dead_letter(queue))
        assert int(redrive["maxReceiveCount"]) == 5


def test_what_moto_ignores_in_templates_is_applied(
    fresh_stack: tuple[Settings, dict[str, str]],
) -> None:
    settings, outputs = fresh_stack

    ttl = aws_client("dynamodb").describe_time_to_live(TableName=settings.tables.jobs)
    assert ttl["TimeToLiveDescription"]["AttributeName"] == "expires_at"
    notification = aws_client("s3").get_bucket_notification_configuration(
        Bucket=settings.buckets.uploads
    )
    [queue_config] = notification["QueueConfigurations"]
    assert queue_config["QueueArn"] == outputs["TranscodeJobsQueueArn"]
    policy = aws_client("sqs").get_queue_attributes(
        QueueUrl=aws_client("sqs").get_queue_url(QueueName=settings.queues.transcode_jobs)[
            "QueueUrl"
        ],
        AttributeNames=["Policy"],
    )["Attributes"]["Policy"]
    assert json.loads(policy)["Statement"][0]["Principal"] == {"Service": "s3.amazonaws.com"}


def test_deploying_again_changes_nothing(fresh_stack: tuple[Settings, dict[str, str]]) -> None:
    settings, outputs = fresh_stack

    assert deploy_stack(settings) == outputs
