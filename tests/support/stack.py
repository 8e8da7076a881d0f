"""Bring the deployed stack back to empty between tests (works on moto and LocalStack)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.core.clients import aws_client, queue_url
from chalicelib.core.settings import Queues, Settings


def empty_stack(settings: Settings) -> None:
    queues = [name for queue in settings.queues.all().values()
              for name in (queue, Queues.dead_letter(queue))]
    with ThreadPoolExecutor(max_workers=8) as pool:
        jobs = [pool.submit(_empty_table, table) for table in vars(settings.tables).values()]
        jobs += [pool.submit(_empty_bucket, bucket) for bucket in vars(settings.buckets).values()]
        jobs += [pool.submit(_empty_queue, queue) for queue in queues]
        for job in jobs:
            job.result()


def _empty_table(table: str) -> None:
    dynamodb = aws_client("dynamodb")
    schema = dynamodb.describe_table(TableName=table)["Table"]["KeySchema"]
    keys = [k["AttributeName"] for k in schema]
    for page in dynamodb.get_paginator("scan").paginate(
        TableName=table, ProjectionExpression=", ".join(f"#k{i}" for i in range(len(keys))),
        ExpressionAttributeNames={f"#k{i}": key for i, key in enumerate(keys)},
    ):
        for item in page["Items"]:
            dynamodb.delete_item(TableName=table, Key=item)


def _empty_bucket(bucket: str) -> None:
    s3 = aws_client("s3")
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        objects: list[Any] = [{"Key": o["Key"]} for o in page.get("Contents", [])]
        if objects:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": objects})
    for upload in s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []):
        s3.abort_multipart_upload(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])


def _empty_queue(queue: str) -> None:
    sqs = aws_client("sqs")
    try:
        sqs.purge_queue(QueueUrl=queue_url(queue))
    except ClientError as error:
        if error.response["Error"]["Code"] != "AWS.SimpleQueueService.PurgeQueueInProgress":
            raise
        while sqs.receive_message(QueueUrl=queue_url(queue), MaxNumberOfMessages=10).get(
            "Messages"
        ):
            pass  # pragma: no cover - LocalStack's 60 s purge limit
