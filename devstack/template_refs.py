"""Resolve the template's intrinsic functions against a deployed stack (Ref, GetAtt, Sub)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from chalicelib.core.clients import aws_client
from chalicelib.core.settings import Settings

SUB_VARIABLE = re.compile(r"\$\{([^}]+)\}")


@dataclass
class StackReferences:
    physical_ids: dict[str, str]
    resource_types: dict[str, str]
    parameters: dict[str, str]
    _arns: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of_stack(cls, stack: str, settings: Settings) -> StackReferences:
        resources = aws_client("cloudformation").describe_stack_resources(StackName=stack)
        # moto lists resources it ignored (QueuePolicy) without ids: skip those.
        rows = [r for r in resources["StackResources"] if "LogicalResourceId" in r]
        account_id = str(resources["StackResources"][0]["StackId"]).split(":")[4]
        return cls(
            physical_ids={r["LogicalResourceId"]: r["PhysicalResourceId"] for r in rows},
            resource_types={r["LogicalResourceId"]: r["ResourceType"] for r in rows},
            parameters={
                "Prefix": settings.prefix,
                "AWS::Region": settings.region,
                "AWS::AccountId": account_id,
                "AWS::Partition": "aws",
            },
        )

    def physical_id(self, logical_id: str) -> str:
        return self.physical_ids[logical_id]

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        if set(value) == {"Ref"}:
            return self._ref(value["Ref"])
        if set(value) == {"Fn::GetAtt"}:
            logical_id, attribute = value["Fn::GetAtt"]
            return self._attribute(logical_id, attribute)
        if set(value) == {"Fn::Sub"}:
            return SUB_VARIABLE.sub(lambda m: str(self._ref(m.group(1))), value["Fn::Sub"])
        return {key: self.resolve(item) for key, item in value.items()}

    def _ref(self, name: str) -> str:
        return self.parameters.get(name) or self.physical_ids[name]

    def _attribute(self, logical_id: str, attribute: str) -> str:
        kind = self.resource_types[logical_id]
        if (kind, attribute) == ("AWS::SQS::Queue", "Arn"):
            if logical_id not in self._arns:
                attrs = aws_client("sqs").get_queue_attributes(
                    QueueUrl=self.physical_id(logical_id), AttributeNames=["QueueArn"]
                )
                self._arns[logical_id] = attrs["Attributes"]["QueueArn"]
            return self._arns[logical_id]
        raise NotImplementedError(f"Fn::GetAtt {attribute} of {kind} is not resolved locally")
