"""The cloud stack's merge template, built in-process (no Chalice, no AWS)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.core.settings import Settings
from cloud import names
from cloud.access import FUNCTIONS
from cloud.functions import event_source_logical_id, function_logical_id
from cloud.least_privilege import statements_of
from cloud.package import ROOT, app_functions, stage_environment
from cloud.policies import function_policy
from cloud.stack import StackResources
from devstack.deploy import load_template
from tests.support.cloud import FakeStack, stage_merge_template

PSEUDO_PARAMETERS = {"AWS::Region", "AWS::AccountId", "AWS::Partition", "AWS::URLSuffix",
                     "AWS::NoValue"}


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return stage_merge_template("dev")


def references(value: Any) -> Iterator[str]:
    """Every logical id or parameter a value refers to."""
    if isinstance(value, list):
        for item in value:
            yield from references(item)
    elif isinstance(value, dict):
        if "Ref" in value:
            yield value["Ref"]
        if "Fn::GetAtt" in value:
            yield value["Fn::GetAtt"][0]
        if "Fn::Sub" in value:
            yield from (name.split(".")[0] for name in re.findall(r"\$\{([^}]+)\}",
                                                                 str(value["Fn::Sub"])))
        for item in value.values():
            yield from references(item)


def test_the_local_resources_are_deployed_as_they_are(template: dict[str, Any]) -> None:
    base = load_template()

    for logical_id, resource in base["Resources"].items():
        merged = template["Resources"][logical_id]
        assert (merged["Type"], merged.get("Properties")) == (
            resource["Type"], resource.get("Properties"))
    assert template["Parameters"]["Prefix"]["AllowedValues"] == ["reelstack-dev"]


def test_every_policy_names_only_what_the_stack_defines(template: dict[str, Any]) -> None:
    known = set(template["Resources"]) | set(template["Parameters"]) | PSEUDO_PARAMETERS
    stack = StackResources(load_template())

    for function, access in FUNCTIONS.items():
        policy = function_policy(function, access, stack)
        assert set(references(policy)) <= known, function
        assert all("*" not in str(statement["Action"]) for statement in statements_of(policy))


def test_event_sources_report_partial_batches_and_functions_have_known_names(
    template: dict[str, Any],
) -> None:
    for function, access in app_functions().items():
        properties = template["Resources"][function_logical_id(function)]["Properties"]
        assert properties["FunctionName"] == {"Fn::Sub": f"${{Prefix}}-{function}"}
        if access.consumes:
            [source] = properties["Events"].values()
            assert properties["Events"] == {event_source_logical_id(function): source}
            assert source["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_lambda_timeouts_fit_their_queues_visibility_timeouts() -> None:
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())["lambda_functions"]
    stack = StackResources(load_template())

    for function, access in FUNCTIONS.items():
        if access.consumes:
            queue = stack.template["Resources"][stack.queue(access.consumes)]["Properties"]
            assert config[function]["lambda_timeout"] <= queue["VisibilityTimeout"], function


def test_the_functions_environment_starts_fargate_tasks_and_signs_cloudfront_urls(
    template: dict[str, Any],
) -> None:
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    resolved = FakeStack({"TranscoderSubnetIds": ["subnet-1", "subnet-2"],
                          "TranscoderAssignPublicIp": "ENABLED"}).resolve(variables)

    settings = Settings.from_env({**stage_environment("dev"), **resolved})

    transcoding, delivery = settings.transcoding, settings.delivery
    assert (transcoding.runner, transcoding.ecs_subnets, transcoding.ecs_assign_public_ip) == (
        "ecs", ("subnet-1", "subnet-2"), "ENABLED")
    assert transcoding.ecs_container == template["Resources"][
        names.TRANSCODER_TASK_DEFINITION]["Properties"]["ContainerDefinitions"][0]["Name"]
    assert delivery.via_cloudfront and delivery.cloudfront_key_secret == (
        f"{names.MEDIA_SIGNING_KEY_SECRET}-id")


def test_the_transcoder_task_reads_sources_writes_media_and_reports_nothing_more(
    template: dict[str, Any],
) -> None:
    role = template["Resources"][names.TRANSCODER_TASK_ROLE]["Properties"]
    [policy] = role["Policies"]

    granted = {(tuple(s["Action"]), json.dumps(s["Resource"]))
               for s in policy["PolicyDocument"]["Statement"]}
    assert granted == {
        # PutObject and multipart: `acquire` streams a requested movie's source there.
        (("s3:AbortMultipartUpload", "s3:GetObject", "s3:ListMultipartUploadParts",
          "s3:PutObject"), '[{"Fn::Sub": "${UploadsBucket.Arn}/videos/*"}]'),
        (("s3:AbortMultipartUpload", "s3:DeleteObject", "s3:ListMultipartUploadParts",
          "s3:PutObject"), '[{"Fn::Sub": "${MediaBucket.Arn}/videos/*"}]'),
        (("sqs:SendMessage",), '[{"Fn::GetAtt": ["TranscodeEventsQueue", "Arn"]}, '
                               '{"Fn::GetAtt": ["MovieRequestsQueue", "Arn"]}]'),
    }
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "ecs-tasks.amazonaws.com"}


def test_stopped_tasks_reach_the_transcode_events_queue_from_that_rule_only(
    template: dict[str, Any],
) -> None:
    resources = template["Resources"]
    rule = resources[names.TRANSCODER_STOPPED_RULE]["Properties"]
    [statement] = resources["TranscodeEventsQueuePolicy"]["Properties"]["PolicyDocument"][
        "Statement"]

    assert rule["EventPattern"]["detail"]["lastStatus"] == ["STOPPED"]
    assert rule["Targets"][0]["Arn"] == {"Fn::GetAtt": ["TranscodeEventsQueue", "Arn"]}
    assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": {
        "Fn::GetAtt": [names.TRANSCODER_STOPPED_RULE, "Arn"]}}}


def test_every_dead_letter_queue_has_a_depth_alarm(template: dict[str, Any]) -> None:
    alarms = [r["Properties"] for r in template["Resources"].values()
              if r.get("Type") == "AWS::CloudWatch::Alarm"]
    watched = {d["Value"]["Fn::GetAtt"][0] for a in alarms for d in a["Dimensions"]}

    dead_letter_queues = {k for k, r in load_template()["Resources"].items()
                          if r["Type"] == "AWS::SQS::Queue" and k.endswith("DeadLetterQueue")}
    assert watched == dead_letter_queues and len(watched) == 4


def test_the_media_bucket_is_read_by_its_distribution_only(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    [statement] = resources["MediaBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    behaviour = resources[names.MEDIA_DISTRIBUTION]["Properties"]["DistributionConfig"][
        "DefaultCacheBehavior"]

    assert statement["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert "MediaDistribution" in statement["Condition"]["StringEquals"]["AWS:SourceArn"][
        "Fn::Sub"]
    assert behaviour["TrustedKeyGroups"] == [{"Ref": "MediaKeyGroup"}]
    assert all(resources["MediaBucket"]["Properties"]["PublicAccessBlockConfiguration"].values())


def test_cookie_players_may_read_media_from_the_apis_origins_only(
    template: dict[str, Any]
) -> None:
    """A credentialed hls.js gets no media past `Access-Control-Allow-Origin: *`, so with
    CorsOrigins set the distribution names those origins and allows credentials."""
    resources = template["Resources"]
    policy = resources[names.MEDIA_CORS_POLICY]
    cors = policy["Properties"]["ResponseHeadersPolicyConfig"]["CorsConfig"]
    behaviour = resources[names.MEDIA_DISTRIBUTION]["Properties"]["DistributionConfig"][
        "DefaultCacheBehavior"]

    assert policy["Condition"] == names.HAS_CORS_ORIGINS
    assert template["Conditions"][names.HAS_CORS_ORIGINS] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": names.CORS_ORIGINS}, ""]}]}
    assert cors["AccessControlAllowCredentials"] is True
    assert cors["AccessControlAllowOrigins"]["Items"] == {
        "Fn::Split": [",", {"Ref": names.CORS_ORIGINS}]}
    condition, with_origins, without = behaviour["ResponseHeadersPolicyId"]["Fn::If"]
    assert (condition, with_origins) == (names.HAS_CORS_ORIGINS,
                                         {"Ref": names.MEDIA_CORS_POLICY})
    assert without == "60669652-455b-4ae9-85a4-c4c02393f86c"  # SimpleCORS: any origin


def test_gateway_errors_come_back_in_the_api_error_shape(template: dict[str, Any]) -> None:
    responses = template["Resources"]["RestAPI"]["Properties"]["GatewayResponses"]

    missing = responses["MISSING_AUTHENTICATION_TOKEN"]
    assert missing["StatusCode"] == "404"
    assert json.loads(missing["ResponseTemplates"]["application/json"]) == {
        "Code": "NotFound", "Message": "No such route."}
    throttled = responses["THROTTLED"]["ResponseTemplates"]["application/json"]
    assert json.loads(throttled.replace("$context.error.messageString", '"Too Many"')) == {
        "Code": "TooManyRequests", "Message": "Too Many"}
    for response in responses.values():
        headers = response["ResponseParameters"]["Headers"]
        assert headers["Access-Control-Allow-Origin"] == "method.request.header.origin"


def test_production_keeps_its_data_when_the_stack_goes() -> None:
    prod = stage_merge_template("prod")["Resources"]

    assert prod["UsersTable"]["DeletionPolicy"] == "Retain"
    assert prod["MediaBucket"]["UpdateReplacePolicy"] == "Retain"
    assert "DeletionPolicy" not in prod["TranscodeJobsQueue"]
