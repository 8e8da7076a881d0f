"""The emulator's table order (devstack/moto_item_order.py) is moto's own, for string and
number keys, tables with and without a range key, and numbers that sort differently as
text."""

from __future__ import annotations

import random

import pytest
from moto.dynamodb.models.table import Table

from devstack.moto_item_order import all_items

KEY_TYPES = ["S", "N"]


def _table(hash_type: str, range_type: str | None) -> Table:
    attributes = [{"AttributeName": "pk", "AttributeType": hash_type}]
    schema = [{"AttributeName": "pk", "KeyType": "HASH"}]
    if range_type is not None:
        attributes.append({"AttributeName": "sk", "AttributeType": range_type})
        schema.append({"AttributeName": "sk", "KeyType": "RANGE"})
    return Table("scratch", account_id="123456789012",  # type: ignore[abstract]
                 region="us-east-1", schema=schema, attr=attributes)


def _value(kind: str, rng: random.Random) -> dict[str, str]:
    # Numbers such as 10 and 9 or -2 and 1.5 sort differently as text: the order must not.
    return {kind: rng.choice(["10", "9", "-2", "1.5", "0", "100"]) if kind == "N"
            else rng.choice(["b", "a", "B", "ab", "é", "a b"])}


@pytest.mark.parametrize("range_type", [None, *KEY_TYPES])
@pytest.mark.parametrize("hash_type", KEY_TYPES)
def test_items_come_in_moto_order(hash_type: str, range_type: str | None) -> None:
    table, rng = _table(hash_type, range_type), random.Random(16)
    for n in range(60):
        item = {"pk": _value(hash_type, rng), "n": {"N": str(n)}}
        if range_type is not None:
            item["sk"] = _value(range_type, rng)
        table.put_item(item)
    expected = Table.all_items(table)
    assert len(expected) >= 6  # keys repeat: items are replaced, several share a hash key
    assert [item.to_json() for item in all_items(table)] == \
        [item.to_json() for item in expected]
