"""CloudFormation intrinsic functions as the plain dicts a JSON or YAML template holds."""

from __future__ import annotations

from typing import Any

Json = dict[str, Any]


def ref(name: str) -> Json:
    return {"Ref": name}


def get_att(logical_id: str, attribute: str) -> Json:
    return {"Fn::GetAtt": [logical_id, attribute]}


def sub(text: str) -> Json:
    return {"Fn::Sub": text}


def arn(service: str, resource: str, *, region: bool = True, account: bool = True) -> Json:
    """`arn:<partition>:<service>:<region>:<account>:<resource>` in this stack's account."""
    where = ("${AWS::Region}" if region else "") + ":" + ("${AWS::AccountId}" if account else "")
    return sub(f"arn:${{AWS::Partition}}:{service}:{where}:{resource}")


def statement(sid: str, actions: list[str], resources: list[Any], **extra: Any) -> Json:
    return {"Sid": sid, "Effect": "Allow", "Action": sorted(actions), "Resource": resources,
            **extra}


def policy_document(statements: list[Json]) -> Json:
    return {"Version": "2012-10-17", "Statement": statements}
