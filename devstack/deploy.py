"""Deploy template-localstack.yml to the emulator: create or update, idempotently.

moto's CloudFormation silently ignores three settings of the template (a bucket's
NotificationConfiguration, a table's TimeToLiveSpecification, AWS::SQS::QueuePolicy),
so after the stack is up they are read from the same template and applied with API
calls. On LocalStack, which applies them itself, this finds them already in place.
moto's stack updates also leave an existing table as it was, so an index the template
gained since is created the same way.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

import yaml
from botocore.exceptions import ClientError

from chalicelib.core.clients import aws_client
from chalicelib.core.settings import Settings, get_settings, reload_settings
from devstack.environment import use_local_environment
from devstack.template_refs import StackReferences

logger = logging.getLogger(__name__)

TEMPLATE_PATH = Path(__file__).resolve().parent.parent / "template-localstack.yml"
IN_PROGRESS_SUFFIX = "_IN_PROGRESS"
GOOD_STATES = {"CREATE_COMPLETE", "UPDATE_COMPLETE"}


def load_template() -> dict[str, Any]:
    return yaml.safe_load(TEMPLATE_PATH.read_text())  # type: ignore[no-any-return]


def stack_name(settings: Settings) -> str:
    return settings.prefix


def deploy_stack(settings: Settings | None = None, timeout: float = 300) -> dict[str, str]:
    """Create or update the stack, apply what the emulator ignored; return the outputs."""
    settings = settings or get_settings()
    cfn = aws_client("cloudformation")
    name = stack_name(settings)
    body = TEMPLATE_PATH.read_text()
    parameters = [{"ParameterKey": "Prefix", "ParameterValue": settings.prefix}]
    status = _status(cfn, name)
    if status in {"ROLLBACK_COMPLETE", "DELETE_COMPLETE"}:
        if status == "ROLLBACK_COMPLETE":
            cfn.delete_stack(StackName=name)
            _wait(cfn, name, timeout)
        status = None
    if status is None:
        logger.info("creating stack %s", name)
        cfn.create_stack(StackName=name, TemplateBody=body, Parameters=parameters)
    elif _deployed_template(cfn, name) != body:
        logger.info("updating stack %s", name)
        _update(cfn, name, body, parameters)
    final = _wait(cfn, name, timeout)
    if final not in GOOD_STATES:
        raise RuntimeError(f"stack {name} ended in {final}: {_failure_reasons(cfn, name)}")
    apply_ignored_settings(load_template(), StackReferences.of_stack(name, settings))
    # Emulators send from any verified address; the cloud verifies the domain once.
    aws_client("ses").verify_email_identity(EmailAddress=settings.ses_sender)
    return outputs(name)


def outputs(name: str) -> dict[str, str]:
    stack = aws_client("cloudformation").describe_stacks(StackName=name)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def delete_stack(settings: Settings, timeout: float = 300) -> None:
    cfn = aws_client("cloudformation")
    cfn.delete_stack(StackName=stack_name(settings))
    _wait(cfn, stack_name(settings), timeout)


def _status(cfn: Any, name: str) -> str | None:
    try:
        stacks = cfn.describe_stacks(StackName=name)["Stacks"]
    except ClientError as error:
        if "does not exist" in str(error):
            return None
        raise
    return str(stacks[0]["StackStatus"]) if stacks else None


def _deployed_template(cfn: Any, name: str) -> str:
    body = cfn.get_template(StackName=name)["TemplateBody"]
    return body if isinstance(body, str) else json.dumps(body)


def _update(cfn: Any, name: str, body: str, parameters: list[dict[str, str]]) -> None:
    try:
        cfn.update_stack(StackName=name, TemplateBody=body, Parameters=parameters)
    except ClientError as error:
        if "No updates are to be performed" not in str(error):
            raise


def _wait(cfn: Any, name: str, timeout: float) -> str | None:
    """Poll quickly: emulators finish in about a second, boto3's waiters sleep 5-30 s."""
    deadline = time.monotonic() + timeout
    while True:
        status = _status(cfn, name)
        if status is None or not status.endswith(IN_PROGRESS_SUFFIX):
            return status
        if time.monotonic() > deadline:
            raise TimeoutError(f"stack {name} still {status} after {timeout} s")
        time.sleep(0.2)


def _failure_reasons(cfn: Any, name: str) -> list[str]:
    events = cfn.describe_stack_events(StackName=name)["StackEvents"]
    return [f"{e['LogicalResourceId']}: {e.get('ResourceStatusReason')}"
            for e in events if str(e["ResourceStatus"]).endswith("FAILED")]


def apply_ignored_settings(template: dict[str, Any], refs: StackReferences) -> None:
    for logical_id, resource in template["Resources"].items():
        kind, props = resource["Type"], resource.get("Properties", {})
        if kind == "AWS::DynamoDB::Table" and "GlobalSecondaryIndexes" in props:
            _add_missing_indexes(refs.physical_id(logical_id), props)
        if kind == "AWS::DynamoDB::Table" and "TimeToLiveSpecification" in props:
            _enable_ttl(refs.physical_id(logical_id), props["TimeToLiveSpecification"])
        elif kind == "AWS::S3::Bucket" and "NotificationConfiguration" in props:
            notification = refs.resolve(props["NotificationConfiguration"])
            _notify(refs.physical_id(logical_id), notification)
        if kind == "AWS::S3::Bucket" and "CorsConfiguration" in props:
            _allow_cors(refs.physical_id(logical_id), props["CorsConfiguration"])
        if kind == "AWS::SQS::QueuePolicy":
            policy = json.dumps(refs.resolve(props["PolicyDocument"]))
            for queue_url in refs.resolve(props["Queues"]):
                aws_client("sqs").set_queue_attributes(
                    QueueUrl=queue_url, Attributes={"Policy": policy}
                )


def _add_missing_indexes(table: str, props: dict[str, Any]) -> None:
    """Create the template's indexes the table lacks, one per call as DynamoDB allows."""
    dynamodb = aws_client("dynamodb")
    described = dynamodb.describe_table(TableName=table)["Table"]
    have = {index["IndexName"] for index in described.get("GlobalSecondaryIndexes", [])}
    for index in props["GlobalSecondaryIndexes"]:
        if index["IndexName"] in have:
            continue
        keys = {key["AttributeName"] for key in index["KeySchema"]}
        dynamodb.update_table(
            TableName=table,
            AttributeDefinitions=[d for d in props["AttributeDefinitions"]
                                  if d["AttributeName"] in keys],
            GlobalSecondaryIndexUpdates=[{"Create": {
                "IndexName": index["IndexName"], "KeySchema": index["KeySchema"],
                "Projection": index["Projection"]}}],
        )


def _enable_ttl(table: str, spec: dict[str, Any]) -> None:
    dynamodb = aws_client("dynamodb")
    current = dynamodb.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
    if current.get("TimeToLiveStatus") in {"ENABLED", "ENABLING"}:
        return
    dynamodb.update_time_to_live(
        TableName=table,
        TimeToLiveSpecification={"AttributeName": spec["AttributeName"], "Enabled": True},
    )


def _notify(bucket: str, cfn_notification: dict[str, Any]) -> None:
    """Translate the template's notification shape to the S3 API's, then put it if new."""
    wanted = {
        "QueueConfigurations": [
            {
                "QueueArn": entry["Queue"],
                "Events": [entry["Event"]],
                **(
                    {"Filter": {"Key": {"FilterRules": entry["Filter"]["S3Key"]["Rules"]}}}
                    if "Filter" in entry
                    else {}
                ),
            }
            for entry in cfn_notification.get("QueueConfigurations", [])
        ]
    }
    s3 = aws_client("s3")
    current = s3.get_bucket_notification_configuration(Bucket=bucket)
    have = {(c["QueueArn"], tuple(c["Events"])) for c in current.get("QueueConfigurations", [])}
    want = {(c["QueueArn"], tuple(c["Events"])) for c in wanted["QueueConfigurations"]}
    if have != want:
        s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=wanted)


def _allow_cors(bucket: str, cfn_cors: dict[str, Any]) -> None:
    """The template's CORS rules in the S3 API's shape (moto's CloudFormation drops them)."""
    renamed = {"MaxAge": "MaxAgeSeconds", "ExposedHeaders": "ExposeHeaders", "Id": "ID"}
    rules = [{renamed.get(name, name): value for name, value in rule.items()}
             for rule in cfn_cors["CorsRules"]]
    aws_client("s3").put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": rules})


def main() -> None:
    use_local_environment()
    for name, value in sorted(deploy_stack(reload_settings()).items()):
        print(f"{name:36} {value}")


if __name__ == "__main__":
    main()
