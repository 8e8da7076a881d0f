"""The stateful resources of template-localstack.yml, found by the names settings use.

Settings built with the prefix `${Prefix}` name every table, bucket and queue exactly as
the template's `Fn::Sub` does, so `tables.users` finds `UsersTable` and a declaration
that names a resource the template lacks fails at packaging time, not in the cloud.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.core.settings import Queues, Settings
from cloud.intrinsics import Json, get_att, sub

NAME_PROPERTY = {
    "AWS::DynamoDB::Table": "TableName",
    "AWS::S3::Bucket": "BucketName",
    "AWS::SQS::Queue": "QueueName",
}
# Settings' names with the prefix left as the template's own variable.
TEMPLATE_NAMES = Settings.from_env({"REELSTACK_PREFIX": "${Prefix}"})


@dataclass(frozen=True)
class StackResources:
    template: dict[str, Any]

    def _logical_id(self, kind: str, name: str) -> str:
        for logical_id, resource in self.template["Resources"].items():
            if resource["Type"] == kind and \
                    resource["Properties"].get(NAME_PROPERTY[kind]) == sub(name):
                return str(logical_id)
        raise KeyError(f"template-localstack.yml has no {kind} named {name}")

    def table(self, field: str) -> str:
        return self._logical_id("AWS::DynamoDB::Table", getattr(TEMPLATE_NAMES.tables, field))

    def bucket(self, field: str) -> str:
        return self._logical_id("AWS::S3::Bucket", getattr(TEMPLATE_NAMES.buckets, field))

    def queue(self, field: str) -> str:
        return self._logical_id("AWS::SQS::Queue", getattr(TEMPLATE_NAMES.queues, field))

    def dead_letter_queue(self, field: str) -> str:
        name = Queues.dead_letter(getattr(TEMPLATE_NAMES.queues, field))
        return self._logical_id("AWS::SQS::Queue", name)

    def table_arn(self, field: str) -> Json:
        return get_att(self.table(field), "Arn")

    def index_arns(self, field: str) -> list[Json]:
        """Each index of the table, by name: a Query on an index is authorized on it."""
        logical_id = self.table(field)
        indexes = self.template["Resources"][logical_id]["Properties"].get(
            "GlobalSecondaryIndexes", [])
        return [sub(f"${{{logical_id}.Arn}}/index/{index['IndexName']}") for index in indexes]

    def queue_arn(self, field: str) -> Json:
        return get_att(self.queue(field), "Arn")

    def objects_arn(self, bucket_field: str, prefix: str) -> Json:
        return sub(f"${{{self.bucket(bucket_field)}.Arn}}/{prefix}*")

    def bucket_arn(self, bucket_field: str) -> Json:
        return get_att(self.bucket(bucket_field), "Arn")
