"""Every IAM statement in a packaged template, checked for wildcards.

A `*` in an action, or in a resource, must be on `ALLOWED_WILDCARDS` with the reason it
is there; managed policies (which name `*` freely) are not allowed at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cloud.intrinsics import Json


@dataclass(frozen=True)
class AllowedWildcard:
    actions: frozenset[str]
    pattern: str  # a regular expression over the resource as written (an Fn::Sub string)
    reason: str


OBJECT_ACTIONS = frozenset({"s3:GetObject", "s3:PutObject", "s3:DeleteObject",
                            "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"})
ALLOWED_WILDCARDS = (
    AllowedWildcard(frozenset({"ecr:GetAuthorizationToken"}), r"\*",
                    "ECR's login token is account-wide: the action takes no resource"),
    AllowedWildcard(frozenset({"logs:CreateLogStream", "logs:PutLogEvents"}),
                    r"arn:\$\{AWS::Partition\}:logs:\$\{AWS::Region\}:\$\{AWS::AccountId\}:"
                    r"log-group:/aws/lambda/\$\{Prefix\}-[a-z_]+:\*",
                    "the streams of the function's own log group"),
    AllowedWildcard(OBJECT_ACTIONS, r"\$\{(UploadsBucket|MediaBucket)\.Arn\}/videos/\*",
                    "the objects under the videos/ prefix, which is all the app stores"),
    AllowedWildcard(frozenset({"s3:GetObject"}),
                    r"arn:\$\{AWS::Partition\}:s3:::\$\{SourceIngestBucket\}/\*",
                    "movie request sources: the operator's ingest bucket, read only"),
    AllowedWildcard(frozenset({"execute-api:ManageConnections"}),
                    r"arn:\$\{AWS::Partition\}:execute-api:\$\{AWS::Region\}:"
                    r"\$\{AWS::AccountId\}:\$\{WebsocketAPI\}/api/(POST|DELETE)/@connections/\*",
                    "the party WebSocket API's connections, whose ids API Gateway assigns"),
    AllowedWildcard(frozenset({"ecs:StopTask"}),
                    r"arn:\$\{AWS::Partition\}:ecs:\$\{AWS::Region\}:\$\{AWS::AccountId\}:"
                    r"task/\$\{TranscoderCluster\}/\*",
                    "the transcoder cluster's tasks, whose ids ECS assigns"),
)


@dataclass(frozen=True)
class Wildcard:
    resource_id: str
    action: str
    resource: str

    def __str__(self) -> str:
        return f"{self.resource_id}: {self.action} on {self.resource}"


def policy_documents(template: Json) -> Iterator[tuple[str, Json]]:
    for logical_id, resource in template["Resources"].items():
        kind, props = resource.get("Type"), resource.get("Properties", {})
        if kind == "AWS::IAM::Role":
            for policy in props.get("Policies", []):
                yield logical_id, policy["PolicyDocument"]
        elif kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::S3::BucketPolicy",
                      "AWS::SQS::QueuePolicy"):
            yield logical_id, props["PolicyDocument"]


def managed_policies(template: Json) -> list[str]:
    """Roles with managed policies attached, and SAM functions with `Policies`."""
    return [logical_id for logical_id, resource in template["Resources"].items()
            if resource.get("Properties", {}).get("ManagedPolicyArns")
            or (resource.get("Type") == "AWS::Serverless::Function"
                and "Policies" in resource.get("Properties", {}))]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _text(resource: Any) -> str:
    """A resource as written: a string, or the string of an `Fn::Sub`."""
    if isinstance(resource, dict) and set(resource) == {"Fn::Sub"}:
        sub = resource["Fn::Sub"]
        return str(sub[0] if isinstance(sub, list) else sub)
    return resource if isinstance(resource, str) else ""


def statements_of(document: Json) -> Iterator[Json]:
    """The statements of a policy, both branches of a conditional one (`Fn::If`) included."""
    pending = list(_as_list(document.get("Statement", [])))
    while pending:
        statement = pending.pop(0)
        if isinstance(statement, dict) and set(statement) == {"Fn::If"}:
            pending += [branch for branch in statement["Fn::If"][1:] if isinstance(branch, dict)
                        and branch != {"Ref": "AWS::NoValue"}]
        elif isinstance(statement, dict):
            yield statement


def _allowed(action: str, resource: str) -> bool:
    return any(action in allowed.actions and re.fullmatch(allowed.pattern, resource)
               for allowed in ALLOWED_WILDCARDS)


def wildcards(template: Json) -> list[Wildcard]:
    """Statements granting a wildcard action, or an action on a wildcard resource, that
    the allow-list does not explain."""
    found = []
    for logical_id, document in policy_documents(template):
        for statement in statements_of(document):
            if "NotAction" in statement or "NotResource" in statement:
                found.append(Wildcard(logical_id, "NotAction/NotResource", "(inverted)"))
            actions = [str(a) for a in _as_list(statement.get("Action", []))]
            found += [Wildcard(logical_id, a, "(any action)") for a in actions if "*" in a]
            for resource in map(_text, _as_list(statement.get("Resource", []))):
                found += [Wildcard(logical_id, a, resource) for a in actions
                          if "*" in resource and "*" not in a and not _allowed(a, resource)]
    return found
