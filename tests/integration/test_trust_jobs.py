"""Jobs that never get stuck: deadline checks settle a transcode nobody reports on,
idempotency leases end with the invocation that took them, and an upload without a movie
moves by part copies under one draft however often its event is delivered."""

from __future__ import annotations

import importlib
import json
import math
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any, TypeVar

import pytest
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ReadTimeoutError
from chalice.app import Chalice, SQSEvent

from chalicelib.catalog.models import MovieModel
from chalicelib.core import envvars, idempotency
from chalicelib.core.batches import BatchResponse, each_message
from chalicelib.core.clients import aws_client, queue_url
from chalicelib.core.logs import lambda_context_middleware
from chalicelib.core.settings import Settings, reload_settings
from chalicelib.transcode.deadlines import DeadlineCheck
from chalicelib.transcode.models import TranscodeJobModel
from chalicelib.transcode.service import accept_uploads, handle_transcoder_event
from chalicelib.transcode.uploads import uploaded_objects
from devstack.dispatcher import QueuePoller, subscriptions
from tests.support.aws_calls import counting_dynamodb_calls, listening
from tests.support.catalog import make_movie
from tests.support.iam import DeployedPolicies, recording_aws_calls
from tests.support.uploads import (
    RecordingRunner,
    next_message,
    next_upload_notification,
    ready_event,
    upload,
)

Result = TypeVar("Result")
MIB = 1024 * 1024



@pytest.fixture
def quick_deadlines(monkeypatch: pytest.MonkeyPatch, stack: Settings) -> Iterator[Settings]:
    """Transcoders may stay silent for no time beyond moving their (tiny) source: about a
    second, so each deadline check arrives at once. The tests move the clock themselves."""
    monkeypatch.setenv(envvars.TRANSCODE_SILENCE_SECONDS, "0")
    settings = reload_settings()
    yield settings
    monkeypatch.undo()
    reload_settings()


def invoked(function: str, work: Callable[[], Result]) -> Result:
    """Run `work` as an invocation of `function`, as the app's middleware sets it up."""
    context = SimpleNamespace(aws_request_id=uuid.uuid4().hex, function_name=function)
    return lambda_context_middleware(SimpleNamespace(context=context),  # type: ignore[no-any-return]
                                     lambda _: work())


def next_check(settings: Settings, timeout: float = 15) -> str:
    """The next deadline check on the transcode-events queue (waits out its short delay)."""
    return next_message(settings.queues.transcode_events,
                        lambda body: json.loads(body)["type"] == "deadline",
                        "deadline check", timeout)


def checks_waiting(settings: Settings, run_ids: list[str], quiet_seconds: float = 3) -> list[str]:
    """The deadline checks of these runs still on the transcode-events queue: received until
    the queue stays quiet for longer than a check's short delay (anything else is dropped)."""
    sqs, url = aws_client("sqs"), queue_url(settings.queues.transcode_events)
    found, quiet_until = [], time.monotonic() + quiet_seconds
    while time.monotonic() < quiet_until:
        for message in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", []):
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            body = json.loads(message["Body"])
            if body.get("type") == "deadline" and body.get("job_id") in run_ids:
                found.append(str(message["Body"]))
            quiet_until = time.monotonic() + quiet_seconds
    return found


def test_a_transcode_nobody_reports_on_is_retried_then_failed_by_its_deadline(
    quick_deadlines: Settings, runner: RecordingRunner, deployed_policies: DeployedPolicies
) -> None:
    movie = make_movie("Silent Running", status="draft")
    started = time.time()
    accept_uploads(upload(quick_deadlines, f"videos/{movie.movie_id}/a.mp4"), runner,
                   clock=lambda: started)

    def deliver(check: str, hours: int) -> str:
        return invoked("on_transcoder_event", lambda: handle_transcoder_event(
            check, runner, clock=lambda: started + hours * 3600))

    outcomes, checks = [], []
    with recording_aws_calls(quick_deadlines) as calls, counting_dynamodb_calls() as operations:
        for hours in (1, 2, 3):  # each attempt's transcoder says nothing, ever
            checks.append(next_check(quick_deadlines))
            outcomes.append(deliver(checks[-1], hours))

    assert outcomes == ["retrying (attempt 2)", "retrying (attempt 3)", "failed"]
    assert [json.loads(check)["job_id"] for check in checks] == [job.run_id
                                                                 for job in runner.started]
    stored = MovieModel.get(movie.movie_id)
    assert stored.status == "failed"
    assert str(stored.status_reason).startswith("no word from the transcoder for 1 s")
    assert TranscodeJobModel.get(runner.started[0].job_id).state == "failed"
    assert handle_transcoder_event(checks[-1], runner, clock=time.time) == "ignored: stale event"
    # A settled job is watched no more.
    assert checks_waiting(quick_deadlines, [job.run_id for job in runner.started]) == []
    assert "Scan" not in operations  # each check loads its job by key
    assert deployed_policies.denied(calls) == []


def test_a_deadline_check_leaves_a_transcoder_that_was_heard_from_alone(
    quick_deadlines: Settings, runner: RecordingRunner
) -> None:
    movie = make_movie("Slow Burn", status="draft")
    started = time.time()
    accept_uploads(upload(quick_deadlines, f"videos/{movie.movie_id}/a.mp4"), runner,
                   clock=lambda: started)
    [job] = runner.started
    first_check = next_check(quick_deadlines)
    progress = json.dumps({"type": "progress", "job_id": job.run_id, "percent": 40})

    assert handle_transcoder_event(progress, clock=lambda: started + 50) == "progress"
    watching = handle_transcoder_event(first_check, runner, clock=lambda: started + 10)
    duplicate = handle_transcoder_event(first_check, runner, clock=lambda: started + 10)

    record = TranscodeJobModel.get(job.job_id)
    assert watching == f"watching (next check at {record.deadline_at})"
    assert duplicate == "ignored: another check watches this attempt"
    assert (record.state, record.attempt, len(runner.started)) == ("running", 1, 1)
    assert record.deadline_at == math.ceil(started + 50) + 1  # heard at +50, 1 s allowed
    later_check = DeadlineCheck(job.run_id, int(record.check_due)).body()
    assert handle_transcoder_event(ready_event(job)) == "ready"
    assert handle_transcoder_event(later_check, runner, clock=lambda: started + 3600) == (
        "ignored: stale event")
    assert MovieModel.get(movie.movie_id).status == "ready"


def lambda_context(remaining_ms: int) -> SimpleNamespace:
    return SimpleNamespace(aws_request_id=uuid.uuid4().hex, function_name="on_work",
                           get_remaining_time_in_millis=lambda: remaining_ms)


def sqs_event(context: Any, *bodies: str) -> SQSEvent:
    return SQSEvent({"Records": [{"messageId": f"m{n}", "receiptHandle": f"r{n}", "body": body,
                                  "attributes": {}}
                                 for n, body in enumerate(bodies)]}, context)


def test_a_claim_lasts_as_long_as_the_invocation_that_made_it(stack: Settings) -> None:
    claimed_at = time.time()

    def killed_after_claiming(record: Any) -> None:
        idempotency.claim(f"upload:{record.body}", clock=lambda: claimed_at)

    each_message(sqs_event(lambda_context(20_000), "movie.mp4"), killed_after_claiming)

    with pytest.raises(idempotency.WorkInProgress):  # while that invocation may still run
        idempotency.claim("upload:movie.mp4", clock=lambda: claimed_at + 20)
    assert idempotency.claim("upload:movie.mp4", clock=lambda: claimed_at + 26) is True


def test_the_dev_stack_gives_each_handler_the_time_its_function_has(
    stack: Settings, tmp_path: Path
) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"lambda_functions": {"on_work": {"lambda_timeout": 12}},
                                  "stages": {"local": {}}}))
    queue = f"timed-{uuid.uuid4().hex[:8]}"
    url = aws_client("sqs").create_queue(QueueName=queue)["QueueUrl"]
    app, remaining = Chalice(app_name="timed"), list[int]()

    @app.on_sqs_message(queue=queue, batch_size=1)
    def on_work(event: SQSEvent) -> BatchResponse:
        return each_message(event, lambda _: remaining.append(
            idempotency.lease_seconds_now()))

    [subscription] = subscriptions(app, config)
    aws_client("sqs").send_message(QueueUrl=url, MessageBody="work")
    QueuePoller(subscription).poll_once(wait_seconds=5)
    aws_client("sqs").delete_queue(QueueUrl=url)

    [lease] = remaining
    assert idempotency.LEASE_MARGIN_SECONDS < lease <= 12 + idempotency.LEASE_MARGIN_SECONDS
    real_app = subscriptions(importlib.import_module("app").app)
    assert {s.handler_name: s.timeout_seconds for s in real_app} == {
        "on_upload_notification": 30, "on_transcoder_event": 10, "on_notification": 20,
        "on_movie_request_step": 900}


def operations_on(client: Any, names: list[str]) -> Any:
    """Record the operation names `client` calls while the block runs."""
    return listening(lambda: [client], "before-call.s3",
                     lambda model, **_: names.append(model.name))


def test_a_large_upload_moves_by_part_copies_within_the_function_policy(
    stack: Settings, runner: RecordingRunner, deployed_policies: DeployedPolicies
) -> None:
    body = bytes(range(256)) * (6 * MIB // 256)
    notification = upload(stack, "videos/Big Feature.mp4", body)
    [original] = uploaded_objects(notification)
    parts = TransferConfig(multipart_threshold=5 * MIB, multipart_chunksize=5 * MIB)
    names: list[str] = []

    with recording_aws_calls(stack) as calls, operations_on(aws_client("s3"), names):
        invoked("on_upload_notification",
                lambda: accept_uploads(notification, runner, move=parts))

    [moved] = uploaded_objects(next_upload_notification(stack))
    assert names.count("UploadPartCopy") == 2 and "CopyObject" not in names
    assert moved.key == f"videos/{original.draft_movie_id}/Big Feature.mp4"
    assert moved.etag.endswith("-2")  # two parts
    s3 = aws_client("s3")
    assert s3.get_object(Bucket=stack.buckets.uploads, Key=moved.key)["Body"].read() == body
    listed = s3.list_objects_v2(Bucket=stack.buckets.uploads)["Contents"]
    assert [o["Key"] for o in listed] == [moved.key]
    assert deployed_policies.denied(calls) == []


def movies_titled(settings: Settings, title: str) -> list[str]:
    """Test-side lookup (a Scan is fine here: no request path does it)."""
    items = aws_client("dynamodb").scan(
        TableName=settings.tables.movies, FilterExpression="title = :title",
        ExpressionAttributeValues={":title": {"S": title}})["Items"]
    return [item["movie_id"]["S"] for item in items]


def test_an_upload_event_delivered_again_after_a_timeout_makes_one_draft(
    stack: Settings, runner: RecordingRunner
) -> None:
    notification = upload(stack, "videos/Twice Sent.mp4")
    [original] = uploaded_objects(notification)
    copies: list[str] = []

    def timeout_on_first_copy(model: Any, **_: Any) -> None:
        if model.name in ("CopyObject", "UploadPartCopy"):
            copies.append(model.name)
            if len(copies) == 1:  # the function ran out of time mid-move
                raise ReadTimeoutError(endpoint_url="s3")

    with listening(lambda: [aws_client("s3")], "before-call.s3", timeout_on_first_copy):
        with pytest.raises(ReadTimeoutError):
            accept_uploads(notification, runner)
        accept_uploads(notification, runner)  # SQS delivers it again
    # Long after, the done record expired: a late copy of the event finds the move made.
    idempotency.IdempotencyRecord(original.idempotency_key).delete()
    accept_uploads(notification, runner)

    [draft] = movies_titled(stack, "Twice Sent")
    moved_notification = next_upload_notification(stack)
    [moved] = uploaded_objects(moved_notification)
    assert moved.key == f"videos/{draft}/Twice Sent.mp4"
    assert len(copies) == 2  # the late delivery found the source gone and copied nothing
    accept_uploads(moved_notification, runner)
    [job] = runner.started
    assert job.movie_id == draft
