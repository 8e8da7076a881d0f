"""Which IAM permissions the AWS calls a function made would need, and whether the
function's policy (cloud/access.py, rendered for the test stack) grants them.

Calls are recorded only while a Lambda invocation runs (the log context knows which
function it is), so test setup never counts. Conditions are not evaluated, except
`s3:prefix` on ListBucket.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from chalicelib.core.clients import aws_client
from chalicelib.core.dynamo import dynamodb_clients
from chalicelib.core.logs import current_function
from chalicelib.core.settings import Settings
from cloud.access import FUNCTIONS
from cloud.policies import function_policy
from cloud.stack import NAME_PROPERTY, StackResources
from devstack.deploy import load_template
from tests.support.aws_calls import listening
from tests.support.cloud import FakeStack

ACCOUNT = "123456789012"
RECORDED_SERVICES = ("s3", "sqs", "ses", "secretsmanager", "ecs")
S3_OBJECT_ACTIONS = {
    "GetObject": "s3:GetObject", "HeadObject": "s3:GetObject",
    "PutObject": "s3:PutObject", "CreateMultipartUpload": "s3:PutObject",
    "UploadPart": "s3:PutObject", "CompleteMultipartUpload": "s3:PutObject",
    "DeleteObject": "s3:DeleteObject", "AbortMultipartUpload": "s3:AbortMultipartUpload",
    "ListParts": "s3:ListMultipartUploadParts",
}
S3_BUCKET_ACTIONS = {"ListObjectsV2": "s3:ListBucket", "ListObjects": "s3:ListBucket",
                     "HeadBucket": "s3:ListBucket",
                     "ListMultipartUploads": "s3:ListBucketMultipartUploads"}
TRANSACTION_ACTIONS = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
                       "ConditionCheck": "ConditionCheckItem", "Get": "GetItem"}


@dataclass(frozen=True)
class AwsCall:
    function: str
    action: str
    resource: str
    prefix: str | None = None  # s3:ListBucket's s3:prefix

    def __str__(self) -> str:
        return f"{self.function}: {self.action} on {self.resource}" + (
            f" (prefix {self.prefix})" if self.prefix is not None else "")


class Arns:
    def __init__(self, region: str) -> None:
        self.region = region

    def table(self, name: str) -> str:
        return f"arn:aws:dynamodb:{self.region}:{ACCOUNT}:table/{name}"

    def queue(self, name: str) -> str:
        return f"arn:aws:sqs:{self.region}:{ACCOUNT}:{name}"

    @staticmethod
    def bucket(name: str) -> str:
        return f"arn:aws:s3:::{name}"


def permissions_needed(arns: Arns, service: str, operation: str,
                       params: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    """(action, resource, s3 prefix) for one API call; an unknown call is an error, so a
    new kind of call gets its mapping (and, likely, its policy) reviewed."""
    if service == "dynamodb":
        return [(a, r, None) for a, r in _dynamodb(arns, operation, params)]
    if service == "s3":
        return _s3(operation, params)
    if service == "sqs":
        name = params.get("QueueName") or str(params["QueueUrl"]).rstrip("/").rsplit("/", 1)[1]
        return [(f"sqs:{operation}", arns.queue(name), None)]
    if service == "ses" and operation == "SendRawEmail":
        domain = str(params["Source"]).rsplit("@", 1)[1]
        return [("ses:SendRawEmail", f"arn:aws:ses:{arns.region}:{ACCOUNT}:identity/{domain}",
                 None)]
    if service == "secretsmanager":
        return [(f"secretsmanager:{operation}", str(params["SecretId"]), None)]
    if service == "ecs" and operation == "RunTask":
        return [("ecs:RunTask", str(params["taskDefinition"]), None)]
    raise AssertionError(f"no IAM mapping for {service}:{operation}")


def _dynamodb(arns: Arns, operation: str, params: dict[str, Any]) -> list[tuple[str, str]]:
    if operation in ("TransactWriteItems", "TransactGetItems"):
        return [(f"dynamodb:{TRANSACTION_ACTIONS[kind]}", arns.table(item[kind]["TableName"]))
                for item in params["TransactItems"] for kind in item]
    if operation in ("BatchGetItem", "BatchWriteItem"):
        return [(f"dynamodb:{operation}", arns.table(t)) for t in params["RequestItems"]]
    resource = arns.table(params["TableName"])
    if params.get("IndexName"):
        resource += f"/index/{params['IndexName']}"
    return [(f"dynamodb:{operation}", resource)]


def _s3(operation: str, params: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    bucket = Arns.bucket(params["Bucket"])
    if operation in S3_BUCKET_ACTIONS:
        return [(S3_BUCKET_ACTIONS[operation], bucket, params.get("Prefix"))]
    if operation in ("CopyObject", "UploadPartCopy"):  # a part copy needs what a copy does
        # By now botocore has turned a {"Bucket", "Key"} source into "bucket/quoted-key".
        source = params["CopySource"]
        if isinstance(source, dict):
            source = f"{source['Bucket']}/{source['Key']}"
        return [("s3:PutObject", f"{bucket}/{params['Key']}", None),
                ("s3:GetObject", f"arn:aws:s3:::{unquote(str(source))}", None)]
    if operation == "DeleteObjects":
        return [("s3:DeleteObject", f"{bucket}/{o['Key']}", None)
                for o in params["Delete"]["Objects"]]
    if operation in S3_OBJECT_ACTIONS:
        return [(S3_OBJECT_ACTIONS[operation], f"{bucket}/{params['Key']}", None)]
    raise AssertionError(f"no IAM mapping for s3:{operation}")


@contextmanager
def recording_aws_calls(settings: Settings) -> Iterator[list[AwsCall]]:
    """Every AWS call (presigned URLs included) made inside a Lambda invocation."""
    arns, calls = Arns(settings.region), list[AwsCall]()

    def record(model: Any, params: dict[str, Any], **_: Any) -> None:
        function = current_function()
        if function:
            service = model.service_model.service_name
            calls.extend(AwsCall(function, action, resource, prefix) for action, resource, prefix
                         in permissions_needed(arns, service, model.name, params))

    def clients() -> list[Any]:
        return [*dynamodb_clients(), *(aws_client(s) for s in RECORDED_SERVICES)]

    with listening(clients, "before-parameter-build", record):
        yield calls


class DeployedPolicies:
    """Each function's policy with the test stack's names and ARNs filled in."""

    def __init__(self, settings: Settings) -> None:
        base, arns = load_template(), Arns(settings.region)
        values: dict[str, Any] = {
            "Prefix": settings.prefix, "AWS::Partition": "aws", "AWS::Region": settings.region,
            "AWS::AccountId": ACCOUNT, "SesSender": settings.ses_sender,
            "SesIdentity": settings.ses_sender.rsplit("@", 1)[1],
            # The ingest bucket the movie-request tests make.
            "SourceIngestBucket": f"{settings.prefix}-ingest"}
        physical = {"AWS::DynamoDB::Table": arns.table, "AWS::S3::Bucket": arns.bucket,
                    "AWS::SQS::Queue": arns.queue}
        for logical_id, resource in base["Resources"].items():
            if resource["Type"] in physical:
                name = resource["Properties"][NAME_PROPERTY[resource["Type"]]]["Fn::Sub"]
                values[f"{logical_id}.Arn"] = physical[resource["Type"]](
                    name.replace("${Prefix}", settings.prefix))
        resolver, stack = FakeStack(values), StackResources(base)
        self.statements = {function: resolver.resolve(function_policy(function, access, stack))
                           ["Statement"] for function, access in FUNCTIONS.items()}

    def allows(self, call: AwsCall) -> bool:
        return any(self._grants(statement, call) for statement in self.statements[call.function])

    @staticmethod
    def _grants(statement: dict[str, Any], call: AwsCall) -> bool:
        resources = statement["Resource"]
        if call.action not in statement["Action"] or not any(
                fnmatch.fnmatchcase(call.resource, pattern) for pattern in resources):
            return False
        prefixes = statement.get("Condition", {}).get("StringLike", {}).get("s3:prefix")
        return prefixes is None or any(
            fnmatch.fnmatchcase(call.prefix or "", pattern) for pattern in prefixes)

    def denied(self, calls: list[AwsCall]) -> list[str]:
        return sorted({str(call) for call in calls if not self.allows(call)})
