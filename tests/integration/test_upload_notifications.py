"""S3 uploads reach the transcode-jobs queue, and its handler takes each upload once."""

from __future__ import annotations

import importlib
import time

from chalicelib.core import idempotency
from chalicelib.core.clients import aws_client, queue_url
from chalicelib.core.settings import Settings
from chalicelib.transcode.uploads import UploadedObject, uploaded_objects
from devstack.dispatcher import QueuePoller, subscriptions
from tests.support.uploads import next_upload_notification


def wait_for_uploads(settings: Settings, timeout: float = 10) -> list[UploadedObject]:
    """Receive notifications until one announces an upload (skipping s3:TestEvent)."""
    sqs, url = aws_client("sqs"), queue_url(settings.queues.transcode_jobs)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", []):
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            uploads = uploaded_objects(message["Body"])
            if uploads:
                return uploads
    return []


def test_a_key_with_a_space_arrives_decoded(stack: Settings) -> None:
    aws_client("s3").put_object(
        Bucket=stack.buckets.uploads, Key="videos/my first movie.mp4", Body=b"not yet a movie"
    )

    [upload] = wait_for_uploads(stack)

    assert upload.bucket == stack.buckets.uploads
    assert upload.key == "videos/my first movie.mp4"
    assert upload.size == len(b"not yet a movie")
    assert upload.etag


def test_objects_outside_videos_do_not_start_jobs(stack: Settings) -> None:
    aws_client("s3").put_object(Bucket=stack.buckets.uploads, Key="notes/readme.txt", Body=b"x")

    assert wait_for_uploads(stack, timeout=2) == []


def test_the_app_handler_accepts_an_upload_once(stack: Settings) -> None:
    app = importlib.import_module("app").app
    [subscription] = [s for s in subscriptions(app) if s.queue_name == stack.queues.transcode_jobs]
    poller = QueuePoller(subscription)
    aws_client("s3").put_object(Bucket=stack.buckets.uploads, Key="videos/7/a b.mp4", Body=b"v")
    body = next_upload_notification(stack)

    for _ in range(2):  # the same notification delivered twice
        aws_client("sqs").send_message(QueueUrl=queue_url(stack.queues.transcode_jobs),
                                       MessageBody=body)
        report = poller.poll_once(wait_seconds=2)
        # (the handler moves the file under a new draft movie: that copy is announced too)
        assert report.received >= 1 and report.failed == []

    [upload] = uploaded_objects(body)
    record = idempotency.IdempotencyRecord.get(upload.idempotency_key)
    assert record.state == idempotency.DONE
    assert idempotency.claim(upload.idempotency_key) is False
