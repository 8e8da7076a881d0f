"""The template and the settings must name the same resources."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.core.settings import Settings
from devstack.deploy import load_template


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template()


def _of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v["Properties"] for k, v in template["Resources"].items() if v["Type"] == kind}


def _name(props: dict[str, Any], key: str, prefix: str) -> str:
    return str(props[key]["Fn::Sub"]).replace("${Prefix}", prefix)


def test_every_table_in_settings_is_in_the_template(template: dict[str, Any]) -> None:
    settings = Settings.from_env({"REELSTACK_PREFIX": "p"})
    declared = _of_type(template, "AWS::DynamoDB::Table").values()
    tables = {_name(props, "TableName", "p") for props in declared}

    assert tables == set(vars(settings.tables).values())


def test_every_queue_has_a_dead_letter_queue_after_five_receives(template: dict[str, Any]) -> None:
    settings = Settings.from_env({"REELSTACK_PREFIX": "p"})
    queues = _of_type(template, "AWS::SQS::Queue")
    by_name = {_name(props, "QueueName", "p"): logical for logical, props in queues.items()}

    for queue in settings.queues.all().values():
        props = queues[by_name[queue]]
        redrive = props["RedrivePolicy"]
        assert redrive["maxReceiveCount"] == 5
        assert redrive["deadLetterTargetArn"]["Fn::GetAtt"][0] == by_name[f"{queue}-dlq"]
        assert props["VisibilityTimeout"] >= 30


def test_buckets_are_private_and_uploads_notify_the_transcode_jobs_queue(
    template: dict[str, Any],
) -> None:
    buckets = _of_type(template, "AWS::S3::Bucket")

    assert {_name(p, "BucketName", "p") for p in buckets.values()} == {"p-uploads", "p-media"}
    for props in buckets.values():
        assert all(props["PublicAccessBlockConfiguration"].values())
    [notification] = buckets["UploadsBucket"]["NotificationConfiguration"]["QueueConfigurations"]
    assert notification["Event"] == "s3:ObjectCreated:*"
    assert notification["Queue"] == {"Fn::GetAtt": ["TranscodeJobsQueue", "Arn"]}


def test_expiring_tables_have_ttl(template: dict[str, Any]) -> None:
    tables = _of_type(template, "AWS::DynamoDB::Table")

    for logical in ("TokensTable", "SessionsTable", "JobsTable", "TranscodesTable"):
        assert tables[logical]["TimeToLiveSpecification"] == {
            "AttributeName": "expires_at", "Enabled": True,
        }


def test_outputs_name_every_table_bucket_and_queue(template: dict[str, Any]) -> None:
    refs = {str(out["Value"].get("Ref")) for out in template["Outputs"].values()}
    named = {k for k, v in template["Resources"].items() if v["Type"] != "AWS::SQS::QueuePolicy"}

    assert named <= refs
