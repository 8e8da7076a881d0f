"""A function's access declaration (cloud/access.py) as its IAM policy document.

Every statement names its resources: tables and their indexes, object prefixes, queues,
the SES identity, the transcoder's task definition and roles, the signing-key secret.
The only patterns are a function's own log streams and the object prefixes.
"""

from __future__ import annotations

from dataclasses import fields

from chalicelib.core.settings import Buckets, Queues
from cloud import names
from cloud.access import DELETE, LIST, READ, WRITE, FunctionAccess, Objects
from cloud.intrinsics import Json, arn, get_att, policy_document, ref, statement, sub
from cloud.stack import StackResources

TABLE_READ = ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query",
              "dynamodb:ConditionCheckItem"]
TABLE_WRITE = ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
               "dynamodb:BatchWriteItem"]
OBJECT_ACTIONS = {
    READ: ["s3:GetObject"],
    WRITE: ["s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
    DELETE: ["s3:DeleteObject"],
}
QUEUE_CONSUME = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
ECS_TASKS = "ecs-tasks.amazonaws.com"


def function_name(function: str) -> Json:
    """Functions are named `<prefix>-<handler>`, so their log groups are known up front."""
    return sub(f"${{{names.PREFIX}}}-{function}")


def function_policy(function: str, access: FunctionAccess, stack: StackResources) -> Json:
    statements = [
        statement("OwnLogs", ["logs:CreateLogStream", "logs:PutLogEvents"],
                  [arn("logs", f"log-group:/aws/lambda/${{{names.PREFIX}}}-{function}:*")]),
        *table_statements(access, stack),
        *object_statements(access.objects, stack),
        *queue_statements(access, stack),
    ]
    if access.send_email:
        statements.append(email_statement())
    if access.run_transcoder:
        statements.extend(transcoder_statements(stack))
    if access.stop_transcoders:
        statements.append(statement(
            "StopTranscoders", ["ecs:StopTask"],
            [arn("ecs", f"task/${{{names.TRANSCODER_CLUSTER}}}/*")],
            Condition={"ArnEquals": {"ecs:cluster": get_att(names.TRANSCODER_CLUSTER, "Arn")}}))
    if access.read_signing_key:
        statements.append(statement("MediaSigningKey", ["secretsmanager:GetSecretValue"],
                                    [ref(names.MEDIA_SIGNING_KEY_SECRET)]))
    if access.probe_health:
        statements.extend(health_statements(stack))
    if access.read_ingest:
        statements.extend(ingest_statements())
    if access.manage_connections:
        statements.append(manage_connections_statement())
    return policy_document(statements)


def manage_connections_statement() -> Json:
    """Post to and close the connections of the party WebSocket API's stage, nothing else."""
    api = (f"execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{{names.WEBSOCKET_API}}}/"
           f"{names.WEBSOCKET_STAGE}")
    return statement("ManageConnections", ["execute-api:ManageConnections"],
                     [sub(f"arn:${{AWS::Partition}}:{api}/{verb}/@connections/*")
                      for verb in ("POST", "DELETE")])


def ingest_statements() -> list[Json]:
    """Read the operator's ingest bucket of movie sources, when the stack names one."""
    bucket = f"arn:${{AWS::Partition}}:s3:::${{{names.SOURCE_INGEST_BUCKET}}}"
    return [{"Fn::If": [names.HAS_INGEST_BUCKET, granted, ref("AWS::NoValue")]} for granted in (
        statement("IngestSources", ["s3:GetObject"], [sub(f"{bucket}/*")]),
        statement("IngestList", ["s3:ListBucket"], [sub(bucket)]),
    )]


def table_statements(access: FunctionAccess, stack: StackResources) -> list[Json]:
    read_only = [t for t in access.read_tables if t not in access.write_tables]
    statements = []
    if read_only:
        statements.append(statement("ReadTables", TABLE_READ,
                                    [stack.table_arn(t) for t in read_only]))
    if access.write_tables:
        statements.append(statement("WriteTables", TABLE_READ + TABLE_WRITE,
                                    [stack.table_arn(t) for t in access.write_tables]))
    indexes = [arn for t in (*read_only, *access.write_tables) for arn in stack.index_arns(t)]
    if indexes:
        statements.append(statement("QueryIndexes", ["dynamodb:Query"], indexes))
    return statements


def object_statements(objects: tuple[Objects, ...], stack: StackResources) -> list[Json]:
    statements = []
    for scope in objects:
        actions = [a for verb in sorted(scope.verbs) for a in OBJECT_ACTIONS.get(verb, [])]
        sid = f"{scope.bucket.capitalize()}Objects"
        statements.append(statement(sid, actions,
                                    [stack.objects_arn(scope.bucket, scope.prefix)]))
        if LIST in scope.verbs:
            statements.append(statement(
                f"{scope.bucket.capitalize()}List", ["s3:ListBucket"],
                [stack.bucket_arn(scope.bucket)],
                Condition={"StringLike": {"s3:prefix": [f"{scope.prefix}*"]}}))
            statements.append(statement(
                f"{scope.bucket.capitalize()}Uploads", ["s3:ListBucketMultipartUploads"],
                [stack.bucket_arn(scope.bucket)]))
    return statements


def queue_statements(access: FunctionAccess, stack: StackResources) -> list[Json]:
    statements = []
    if access.consumes:
        statements.append(statement("ConsumeQueue", QUEUE_CONSUME,
                                    [stack.queue_arn(access.consumes)]))
    if access.send_to:
        statements.append(statement("SendToQueues", ["sqs:SendMessage", "sqs:GetQueueUrl"],
                                    [stack.queue_arn(q) for q in access.send_to]))
    return statements


def email_statement() -> Json:
    return statement(
        "SendEmail", ["ses:SendRawEmail"],
        [arn("ses", f"identity/${{{names.SES_IDENTITY}}}")],
        Condition={"StringEquals": {"ses:FromAddress": ref(names.SES_SENDER)}})


def transcoder_statements(stack: StackResources) -> list[Json]:
    """Start the transcoder task (and name the events queue on its command line)."""
    return [
        statement("RunTranscoder", ["ecs:RunTask"], [ref(names.TRANSCODER_TASK_DEFINITION)],
                  Condition={"ArnEquals": {
                      "ecs:cluster": get_att(names.TRANSCODER_CLUSTER, "Arn")}}),
        statement("PassTranscoderRoles", ["iam:PassRole"],
                  [get_att(names.TRANSCODER_TASK_ROLE, "Arn"),
                   get_att(names.TRANSCODER_EXECUTION_ROLE, "Arn")],
                  Condition={"StringEquals": {"iam:PassedToService": ECS_TASKS}}),
        statement("FindEventsQueue", ["sqs:GetQueueUrl"],
                  [stack.queue_arn("transcode_events")]),
    ]


def health_statements(stack: StackResources) -> list[Json]:
    """`/api/health/` probes one table, both buckets and every queue."""
    return [
        statement("ProbeTable", ["dynamodb:DescribeTable"], [stack.table_arn("users")]),
        statement("ProbeBuckets", ["s3:ListBucket"],
                  [stack.bucket_arn(b.name) for b in fields(Buckets)]),
        statement("ProbeQueues", ["sqs:GetQueueUrl"],
                  [stack.queue_arn(q.name) for q in fields(Queues)]),
    ]
