"""TransactWriteItems for moto's DynamoDB with an undo log of the items it touches.

moto 5.2.5 backs a transaction up by deep-copying every table it touches and, when the
transaction is cancelled, puts those copies back: O(table) work per transaction (the dev
stack's heartbeat is one), and any write another request made meanwhile vanishes. This
version copies only the items the transaction names, before it writes them, and restores
just those. Everything else (the order of checks, which errors cancel and which abort,
the cancellation reasons) follows moto's own `DynamoDBBackend.transact_write_items`.
Isolation between requests still comes from the lock in `devstack.moto_server`.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import (
    ConditionalCheckFailed,
    MockValidationException,
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
)
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table

MAX_ITEMS = 100
OPERATIONS = frozenset({"ConditionCheck", "Put", "Delete", "Update"})
CancellationReason = tuple[str, str, Any] | tuple[None, None, None]


@dataclass(frozen=True)
class ItemBefore:
    """One touched item as it was before the transaction: `item` is None if it was absent."""

    table: Table
    hash_key: DynamoType
    range_key: DynamoType | None
    item: Item | None

    def restore(self) -> None:
        items = self.table.items
        if self.range_key is None:
            if self.item is None:
                items.pop(self.hash_key, None)
            else:
                items[self.hash_key] = self.item  # type: ignore[assignment]
        elif self.item is None:
            items.get(self.hash_key, {}).pop(self.range_key, None)
        else:
            items[self.hash_key][self.range_key] = self.item


def _roll_back(undo_log: list[ItemBefore]) -> None:
    for before in reversed(undo_log):
        before.restore()


def _key_of(backend: DynamoDBBackend, op_type: str, op: dict[str, Any]) -> dict[str, Any]:
    if op_type != "Put":
        return dict(op["Key"])
    table, attrs = backend.get_table(op["TableName"]), op["Item"]
    key = {table.hash_key_attr: attrs[table.hash_key_attr]}
    if table.range_key_attr is not None:
        key[table.range_key_attr] = attrs[table.range_key_attr]
    return key


def _remember(backend: DynamoDBBackend, table_name: str, key: dict[str, Any]) -> ItemBefore:
    table = backend.get_table(table_name)
    hash_key, range_key = backend.get_keys_value(table, key)
    # update_item changes the stored Item in place, so keep a copy, not a reference.
    current = table.get_item(hash_key, range_key)
    return ItemBefore(table, hash_key, range_key, copy.deepcopy(current))


def _condition_holds(current: Item | None, op: dict[str, Any]) -> bool:
    expression = op.get("ConditionExpression")
    if expression is None:
        return True
    condition = get_filter_expression(
        expression, op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues"))
    return bool(condition.expr(current))


def _old_image(current: Item | None, op: dict[str, Any]) -> dict[str, Any] | None:
    if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
        return dict(current.to_json()["Attributes"])
    return None


def _write(backend: DynamoDBBackend, op_type: str, op: dict[str, Any],
           key: dict[str, Any]) -> None:
    conditions: dict[str, Any] = {
        "condition_expression": op.get("ConditionExpression"),
        "expression_attribute_names": op.get("ExpressionAttributeNames"),
        "expression_attribute_values": op.get("ExpressionAttributeValues"),
    }
    if op_type == "Put":
        backend.put_item(op["TableName"], op["Item"], **conditions)
    elif op_type == "Delete":
        backend.delete_item(op["TableName"], key, **conditions)
    elif op_type == "Update":
        backend.update_item(op["TableName"], key, update_expression=op["UpdateExpression"],
                            **conditions)


def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    if len(transact_items) > MAX_ITEMS:
        raise TooManyTransactionsException()
    undo_log: list[ItemBefore] = []
    targets: set[tuple[str, str]] = set()
    reasons: list[CancellationReason] = []
    for entry in transact_items:
        if len(entry) > 1:
            raise TransactWriteSingleOpException
        old: Any = None
        try:
            op_type, op = next(iter(entry.items()))
            if op_type not in OPERATIONS:
                raise ValueError("Unsupported transaction operation")
            key = _key_of(self, op_type, op)
            target = (str(op["TableName"]), str(dict(sorted(key.items()))))
            if target in targets:
                raise MultipleTransactionsException()
            targets.add(target)
            before = _remember(self, op["TableName"], key)
            undo_log.append(before)
            if not _condition_holds(before.item, op):
                old = _old_image(before.item, op)
                raise ConditionalCheckFailed(item=old)
            _write(self, op_type, op, key)
            reasons.append((None, None, None))
        except (MultipleTransactionsException, MockValidationException):
            _roll_back(undo_log)
            raise
        except ConditionalCheckFailed as failed:
            reasons.append(("ConditionalCheckFailed", str(failed.message), old))
        except Exception as error:  # moto reports any other failure as a reason
            reasons.append((type(error).__name__, str(error), old))
    if any(code is not None for code, _, _ in reasons):
        _roll_back(undo_log)
        raise TransactionCanceledException(reasons)
