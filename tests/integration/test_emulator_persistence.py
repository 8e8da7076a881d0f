"""moto's server given a state folder keeps a table item, an S3 object, a queued message
and a sent e-mail across a stop and a start (issue 16, "durable by default"); a kill -9
loses only what came after the last snapshot, and a snapshot that cannot be loaded
starts the emulator empty with a warning instead of failing it.

Each test starts its own server (a subprocess on a free port) on its own tmp folder.
"""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from devstack.emulator import Emulator, start_moto
from devstack.mailbox import mail_to
from devstack.moto_state_file import BODIES_NAME, SNAPSHOT_NAME
from tests.support.dev_stack import wait_for
from tests.support.network import free_port

TABLE, BUCKET, QUEUE = "persisted", "persisted-media", "persisted-jobs"
SENDER, RECIPIENT = "noreply@reelstack.test", "viewer@example.com"
BODY = os.urandom(3 * 1024 * 1024)  # past moto's in-memory buffer, so a spooled file


class Moto:
    """One moto server after another on the same port and state folder."""

    def __init__(self, folder: Path, log: Path) -> None:
        self.folder, self.log = folder, log
        self.endpoint = f"http://127.0.0.1:{free_port()}"
        self.running: Emulator | None = None

    def start(self) -> Moto:
        self.running = start_moto(self.endpoint, self.log, state_dir=self.folder)
        return self

    def stop(self) -> None:
        assert self.running is not None and self.running.process is not None
        self.running.process.send_signal(signal.SIGTERM)
        assert self.running.process.wait(timeout=30) == 0, self.log.read_text()

    def kill(self) -> None:
        assert self.running is not None and self.running.process is not None
        self.running.process.kill()
        self.running.process.wait(timeout=30)

    def client(self, service: str) -> Any:
        return boto3.client(service, endpoint_url=self.endpoint,  # type: ignore[call-overload]
                            region_name="us-east-1", aws_access_key_id="test",
                            aws_secret_access_key="test")


@pytest.fixture
def moto(tmp_path: Path) -> Iterator[Moto]:
    server = Moto(tmp_path / "state", tmp_path / "moto.log")
    yield server
    if server.running is not None:
        server.running.stop()


def store_one_of_each(moto: Moto) -> None:
    dynamodb = moto.client("dynamodb")
    dynamodb.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                          AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                          KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
    dynamodb.put_item(TableName=TABLE, Item={"pk": {"S": "user#1"}, "plan": {"S": "premium"}})
    moto.client("s3").create_bucket(Bucket=BUCKET)
    moto.client("s3").put_object(Bucket=BUCKET, Key="videos/a movie.mp4", Body=BODY)
    queue_url = moto.client("sqs").create_queue(QueueName=QUEUE)["QueueUrl"]
    moto.client("sqs").send_message(QueueUrl=queue_url, MessageBody='{"job": 1}')
    # Received once (as the dispatcher does) and visible again: a queue with locks in use.
    moto.client("sqs").receive_message(QueueUrl=queue_url, VisibilityTimeout=0)
    ses = moto.client("ses")
    ses.verify_email_identity(EmailAddress=SENDER)
    ses.send_email(Source=SENDER, Destination={"ToAddresses": [RECIPIENT]},
                   Message={"Subject": {"Data": "Welcome"}, "Body": {"Text": {"Data": "hi"}}})


def assert_all_there(moto: Moto) -> None:
    item = moto.client("dynamodb").get_item(TableName=TABLE, Key={"pk": {"S": "user#1"}})
    assert item["Item"]["plan"] == {"S": "premium"}
    body = moto.client("s3").get_object(Bucket=BUCKET, Key="videos/a movie.mp4")["Body"]
    assert body.read() == BODY
    sqs = moto.client("sqs")
    queue_url = sqs.get_queue_url(QueueName=QUEUE)["QueueUrl"]
    received = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1)["Messages"]
    assert [message["Body"] for message in received] == ['{"job": 1}']
    assert [mail.subject for mail in mail_to(moto.endpoint, RECIPIENT)] == ["Welcome"]


def test_a_stopped_emulator_starts_again_with_everything_it_held(moto: Moto) -> None:
    store_one_of_each(moto.start())
    moto.stop()

    assert_all_there(moto.start())
    # The body lives once in its own file, not inside the snapshot.
    bodies = list((moto.folder / BODIES_NAME).iterdir())
    assert [path.stat().st_size for path in bodies] == [len(BODY)]
    assert (moto.folder / SNAPSHOT_NAME).stat().st_size < len(BODY) // 10


def test_a_killed_emulator_keeps_what_its_last_snapshot_held(moto: Moto) -> None:
    store_one_of_each(moto.start())
    snapshot = moto.folder / SNAPSHOT_NAME
    wait_for(snapshot.exists, 30, "the first snapshot")
    wait_for(lambda: b"Welcome" in snapshot.read_bytes(), 30, "a snapshot with the e-mail")
    moto.kill()

    assert_all_there(moto.start())


def test_a_deleted_object_body_is_removed_from_the_folder(moto: Moto) -> None:
    s3 = moto.start().client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="old.mp4", Body=BODY)
    s3.put_object(Bucket=BUCKET, Key="kept.mp4", Body=b"kept")
    bodies = moto.folder / BODIES_NAME
    wait_for(lambda: len(list(bodies.glob("*"))) == 2, 30, "both bodies written")
    s3.delete_object(Bucket=BUCKET, Key="old.mp4")
    moto.stop()

    assert [path.stat().st_size for path in bodies.iterdir()] == [len(b"kept")]
    moto.start()
    assert moto.client("s3").get_object(Bucket=BUCKET, Key="kept.mp4")["Body"].read() == b"kept"


@pytest.mark.parametrize("content", [b"garbage", b"reelstack-moto-state\n{\"format\": 1}\n"])
def test_a_snapshot_that_does_not_load_is_set_aside_and_the_emulator_starts_empty(
        moto: Moto, content: bytes) -> None:
    moto.folder.mkdir()
    (moto.folder / SNAPSHOT_NAME).write_bytes(content)

    moto.start()

    assert moto.client("s3").list_buckets()["Buckets"] == []
    assert (moto.folder / f"{SNAPSHOT_NAME}.refused").read_bytes() == content
    assert "emulator state" in moto.log.read_text()
    assert "refused" in moto.log.read_text()


def test_two_emulators_never_share_a_state_folder(moto: Moto, tmp_path: Path) -> None:
    moto.start()
    second = Moto(moto.folder, tmp_path / "second.log")

    with pytest.raises(RuntimeError, match="exited with 1"):
        second.start()
    assert "in use by another emulator" in second.log.read_text()


def _template(tables: list[str]) -> str:
    resources = {
        name: {"Type": "AWS::DynamoDB::Table", "Properties": {
            "TableName": name, "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]}}
        for name in tables
    }
    return json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources})


def _settled(moto: Moto, stack: str) -> str:
    cfn = moto.client("cloudformation")

    def status() -> str:
        return str(cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"])

    wait_for(lambda: not status().endswith("IN_PROGRESS"), 60, f"stack {stack} to settle")
    return status()


def test_a_restored_stack_is_updated_in_place_when_the_template_grows(moto: Moto) -> None:
    """What `make run` does after a pull that adds a table: update_stack on the stack the
    snapshot restored, keeping the data of the tables it already had."""
    cfn = moto.start().client("cloudformation")
    cfn.create_stack(StackName="grows", TemplateBody=_template(["kept"]))
    assert _settled(moto, "grows") == "CREATE_COMPLETE"
    moto.client("dynamodb").put_item(TableName="kept", Item={"pk": {"S": "user#1"}})
    moto.stop()

    cfn = moto.start().client("cloudformation")
    cfn.update_stack(StackName="grows", TemplateBody=_template(["kept", "added"]))
    assert _settled(moto, "grows") == "UPDATE_COMPLETE"
    dynamodb = moto.client("dynamodb")
    assert dynamodb.get_item(TableName="kept", Key={"pk": {"S": "user#1"}})["Item"]
    assert dynamodb.describe_table(TableName="added")["Table"]["TableStatus"] == "ACTIVE"
