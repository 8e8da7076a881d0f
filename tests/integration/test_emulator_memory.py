"""The dev stack's moto keeps no copies behind, and a cancelled transaction undoes exactly
what it wrote (issue 16: each heartbeat transaction used to leave a copy of its tables)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from botocore.exceptions import ClientError

from chalicelib.core.clients import aws_client
from chalicelib.core.settings import Settings
from devstack.emulator import Emulator, EmulatorKind

ITEMS = 200


@pytest.fixture
def table(stack: Settings, emulator: Emulator) -> Iterator[str]:
    if emulator.kind is not EmulatorKind.MOTO:
        pytest.skip("about the dev stack's moto (devstack/moto_server.py)")
    dynamodb, name = aws_client("dynamodb"), f"{stack.prefix}-emulator-scratch"
    dynamodb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                          AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                          KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
    yield name
    dynamodb.delete_table(TableName=name)


def _key(pk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}}


def _item(table: str, pk: str) -> dict[str, Any] | None:
    found: dict[str, Any] | None = aws_client("dynamodb").get_item(
        TableName=table, Key=_key(pk), ConsistentRead=True).get("Item")
    return found


def _heartbeat(table: str, beat: int, *, cancel: bool) -> None:
    items: list[dict[str, Any]] = [
        {"Update": {"TableName": table, "Key": _key("session"),
                    "UpdateExpression": "ADD beats :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}}}},
        {"Put": {"TableName": table, "Item": {**_key(f"beat-{beat % 5}"), "at": {"N": str(beat)}}}},
    ]
    if cancel:
        items.append({"ConditionCheck": {"TableName": table, "Key": _key("item-0"),
                                         "ConditionExpression": "attribute_not_exists(pk)"}})
    try:
        aws_client("dynamodb").transact_write_items(TransactItems=items)
    except ClientError as error:
        assert cancel and error.response["Error"]["Code"] == "TransactionCanceledException"


def _objects_kept(endpoint: str) -> int:
    """How many model objects moto keeps for its dashboard, /moto-api/data.json."""
    models = requests.get(f"{endpoint}/moto-api/data.json", timeout=60).json()
    return sum(len(instances) for service in models.values() for instances in service.values())


def test_transactions_leave_no_copies_of_the_table_behind(table: str, emulator: Emulator) -> None:
    dynamodb = aws_client("dynamodb")
    for start in range(0, ITEMS, 25):
        dynamodb.batch_write_item(RequestItems={table: [
            {"PutRequest": {"Item": _key(f"item-{n}")}} for n in range(start, start + 25)]})
    for beat in range(5):
        _heartbeat(table, beat, cancel=beat == 4)
    kept_before = _objects_kept(emulator.endpoint)

    for beat in range(5, 55):
        _heartbeat(table, beat, cancel=beat % 10 == 9)

    assert _objects_kept(emulator.endpoint) == kept_before
    assert _item(table, "session") == {**_key("session"), "beats": {"N": "49"}}


def test_a_cancelled_transaction_restores_what_it_touched_and_only_that(table: str) -> None:
    dynamodb = aws_client("dynamodb")
    for pk, version in (("updated", "1"), ("deleted", "1"), ("bystander", "1")):
        dynamodb.put_item(TableName=table, Item={**_key(pk), "version": {"N": version}})

    with pytest.raises(ClientError) as cancelled:
        dynamodb.transact_write_items(TransactItems=[
            {"Update": {"TableName": table, "Key": _key("updated"),
                        "UpdateExpression": "SET version = :two",
                        "ExpressionAttributeValues": {":two": {"N": "2"}}}},
            {"Put": {"TableName": table, "Item": {**_key("created"), "version": {"N": "1"}}}},
            {"Delete": {"TableName": table, "Key": _key("deleted")}},
            {"ConditionCheck": {"TableName": table, "Key": _key("bystander"),
                                "ConditionExpression": "version = :two",
                                "ExpressionAttributeValues": {":two": {"N": "2"}},
                                "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}},
        ])

    reasons = cancelled.value.response["CancellationReasons"]
    assert [reason["Code"] for reason in reasons] == ["None", "None", "None",
                                                      "ConditionalCheckFailed"]
    assert reasons[3]["Item"] == {**_key("bystander"), "version": {"N": "1"}}
    assert _item(table, "updated") == {**_key("updated"), "version": {"N": "1"}}
    assert _item(table, "created") is None
    assert _item(table, "deleted") == {**_key("deleted"), "version": {"N": "1"}}
    assert _item(table, "bystander") == {**_key("bystander"), "version": {"N": "1"}}
