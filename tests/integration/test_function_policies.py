"""The queue handlers' AWS calls, as their cloud policies would judge them.

Each flow runs inside a Lambda invocation of its function (so the calls are attributed
to it); whatever it calls must be granted by that function's declaration in
cloud/access.py. The API function is held to its policy by the `api` fixture, in every
API test.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from types import SimpleNamespace
from typing import TypeVar

from chalicelib.core.logs import lambda_context_middleware
from chalicelib.core.settings import Settings
from chalicelib.notify.service import deliver
from chalicelib.transcode.service import accept_uploads, handle_transcoder_event
from tests.support.catalog import make_movie
from tests.support.hls import make_playable_movie
from tests.support.iam import AwsCall, DeployedPolicies, recording_aws_calls
from tests.support.uploads import (
    RecordingRunner,
    failed_event,
    next_upload_notification,
    ready_event,
    upload,
)

Result = TypeVar("Result")


def invoked(function: str, work: Callable[[], Result]) -> Result:
    """Run `work` as an invocation of `function` (what the app's middleware sets up)."""
    context = SimpleNamespace(aws_request_id=uuid.uuid4().hex, function_name=function)
    return lambda_context_middleware(SimpleNamespace(context=context),  # type: ignore[no-any-return]
                                     lambda _: work())



def test_the_upload_handler_calls_only_what_its_policy_grants(
    stack: Settings, deployed_policies: DeployedPolicies, runner: RecordingRunner,
) -> None:
    draft_upload = upload(stack, "videos/Draft Cut.mp4")

    with recording_aws_calls(stack) as calls:
        invoked("on_upload_notification", lambda: accept_uploads(draft_upload, runner))
        moved = next_upload_notification(stack)
        invoked("on_upload_notification", lambda: accept_uploads(moved, runner))
        # What the ECS runner does with the job: its command names the events queue (a
        # cold function looks its URL up; here an earlier test may have).
        invoked("on_upload_notification", lambda: runner.started[0].arguments(stack))

    assert {c.action for c in calls} >= {"s3:PutObject", "s3:GetObject", "s3:DeleteObject",
                                         "dynamodb:PutItem"}
    assert deployed_policies.denied(calls) == []


def test_the_transcoder_events_handler_calls_only_what_its_policy_grants(
    stack: Settings, deployed_policies: DeployedPolicies, runner: RecordingRunner,
) -> None:
    replaced = make_playable_movie("Replaced")  # its current version goes once the new is in
    accept_uploads(upload(stack, f"videos/{replaced.movie_id}/new cut.mp4"), runner)
    unlucky = make_movie("Unlucky", status="draft")
    accept_uploads(upload(stack, f"videos/{unlucky.movie_id}/cut.mp4"), runner)
    replacing, failing = runner.started

    def events() -> list[str]:
        progress = json.dumps({"type": "progress", "job_id": replacing.run_id, "percent": 50})
        return [handle_transcoder_event(progress, runner),
                handle_transcoder_event(failed_event(failing, True), runner),
                handle_transcoder_event(failed_event(failing, False), runner),
                handle_transcoder_event(ready_event(replacing), runner)]

    with recording_aws_calls(stack) as calls:
        outcomes = invoked("on_transcoder_event", events)

    assert outcomes[1:] == ["retrying (attempt 2)", "ignored: stale event", "ready"]
    assert {"s3:ListBucket", "s3:DeleteObject", "dynamodb:UpdateItem"} <= {
        c.action for c in calls}
    assert deployed_policies.denied(calls) == []


def test_the_notifications_handler_calls_only_what_its_policy_grants(
    stack: Settings, deployed_policies: DeployedPolicies,
) -> None:
    job = json.dumps({"type": "email", "job_id": uuid.uuid4().hex, "template": "activation",
                      "to": "new@example.com", "data": {"link": "https://x/activate/1/2/"}})

    with recording_aws_calls(stack) as calls:
        assert invoked("on_notification", lambda: deliver(job)) is True

    assert {c.action for c in calls} >= {"ses:SendRawEmail", "dynamodb:PutItem"}
    assert deployed_policies.denied(calls) == []


def test_a_call_outside_the_declaration_is_denied(deployed_policies: DeployedPolicies,
                                                  stack: Settings) -> None:
    media_object = f"arn:aws:s3:::{stack.buckets.media}/videos/m/v/master.m3u8"

    assert deployed_policies.denied([
        AwsCall("on_notification", "s3:GetObject", media_object),
        AwsCall("api_handler", "s3:GetObject", media_object),
        AwsCall("on_transcoder_event", "s3:ListBucket", f"arn:aws:s3:::{stack.buckets.media}",
                prefix=""),
    ]) == [f"on_notification: s3:GetObject on {media_object}",
           f"on_transcoder_event: s3:ListBucket on arn:aws:s3:::{stack.buckets.media} "
           "(prefix )"]
