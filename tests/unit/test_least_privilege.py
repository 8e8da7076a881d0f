"""The wildcard check the packaged templates must pass, on templates made to fail it."""

from __future__ import annotations

from typing import Any

from cloud.least_privilege import managed_policies, wildcards


def role(*statements: dict[str, Any]) -> dict[str, Any]:
    document = {"Version": "2012-10-17", "Statement": list(statements)}
    return {"Type": "AWS::IAM::Role",
            "Properties": {"Policies": [{"PolicyName": "p", "PolicyDocument": document}]}}


def allow(action: Any, resource: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource}


def test_wildcard_actions_and_resources_are_reported() -> None:
    template = {"Resources": {
        "Greedy": role(allow("s3:*", {"Fn::Sub": "${MediaBucket.Arn}/videos/*"}),
                       allow(["dynamodb:GetItem"], "*")),
        "Sneaky": {"Type": "AWS::SQS::QueuePolicy", "Properties": {"PolicyDocument": {
            "Statement": {"Effect": "Allow", "NotAction": "sqs:DeleteQueue", "Resource": "*"}}}},
    }}

    assert sorted(map(str, wildcards(template))) == [
        "Greedy: dynamodb:GetItem on *",
        "Greedy: s3:* on (any action)",
        "Sneaky: NotAction/NotResource on (inverted)",
    ]


def test_allowed_wildcards_pass_only_with_their_actions() -> None:
    logs = {"Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:"
                       "log-group:/aws/lambda/${Prefix}-api_handler:*"}
    objects = {"Fn::Sub": "${UploadsBucket.Arn}/videos/*"}
    template = {"Resources": {"Fine": role(
        allow(["logs:CreateLogStream", "logs:PutLogEvents"], [logs]),
        allow(["s3:GetObject", "s3:PutObject"], [objects]),
        allow("ecr:GetAuthorizationToken", "*"),
        allow("dynamodb:Query", {"Fn::GetAtt": ["UsersTable", "Arn"]}),
    ), "Wrong": role(allow("logs:DeleteLogGroup", [logs]),
                     allow("s3:GetObject", {"Fn::Sub": "${MediaBucket.Arn}/*"}))}}

    assert sorted(map(str, wildcards(template))) == [
        "Wrong: logs:DeleteLogGroup on " + logs["Fn::Sub"],
        "Wrong: s3:GetObject on ${MediaBucket.Arn}/*",
    ]


def test_managed_policies_are_reported() -> None:
    template = {"Resources": {
        "Admin": {"Type": "AWS::IAM::Role", "Properties": {
            "ManagedPolicyArns": ["arn:aws:iam::aws:policy/AdministratorAccess"]}},
        "Fn": {"Type": "AWS::Serverless::Function", "Properties": {
            "Policies": ["AmazonS3FullAccess"]}},
    }}

    assert managed_policies(template) == ["Admin", "Fn"]
