"""What the cloud stack changes in the functions Chalice generates: a name known up front
(so each role can name its own log group), partial batch responses on each SQS event
source, and each function's policy file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from chalice.utils import to_cfn_resource_name

from cloud import names
from cloud.access import FunctionAccess
from cloud.intrinsics import Json, sub
from cloud.policies import function_name, function_policy
from cloud.stack import StackResources

API_HANDLER = "api_handler"
# Where `.chalice/config.json` points each function's `iam_policy_file` (relative to it).
POLICY_DIR = Path("build") / "policies"


def function_logical_id(function: str) -> str:
    return "APIHandler" if function == API_HANDLER else to_cfn_resource_name(function)


def event_source_logical_id(function: str) -> str:
    return to_cfn_resource_name(f"{function}-sqs-event-source")


def log_group_logical_id(function: str) -> str:
    return to_cfn_resource_name(f"{function}-log-group")


def function_overrides(function: str, access: FunctionAccess) -> dict[str, Any]:
    """The SQS event source keeps Chalice's queue ARN (by name); the role's policy names
    the queue resource, so CloudFormation creates the queue before the mapping."""
    properties: Json = {"FunctionName": function_name(function)}
    if access.consumes:
        # Lambda retries only the messages the handler reports as failed (core/batches.py).
        properties["Events"] = {event_source_logical_id(function): {"Properties": {
            "FunctionResponseTypes": ["ReportBatchItemFailures"]}}}
    log_group = log_group_logical_id(function)
    return {
        function_logical_id(function): {"Properties": properties, "DependsOn": [log_group]},
        # Chalice names it after the function's logical id (wrongly, for the API handler).
        log_group: {"Properties": {"LogGroupName": sub(f"/aws/lambda/${{{names.PREFIX}}}-"
                                                       f"{function}")}},
    }


def write_policy_files(project_root: Path, functions: dict[str, FunctionAccess],
                       stack: StackResources) -> list[Path]:
    folder = project_root / POLICY_DIR
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for function, access in functions.items():
        path = folder / f"{function}.json"
        path.write_text(json.dumps(function_policy(function, access, stack), indent=2) + "\n")
        written.append(path)
    return written
