"""The emulator's fast item serializer writes exactly what moto's own would
(devstack/moto_attribute_values.py), for every DynamoDB type and the operations that
return items."""

from __future__ import annotations

from typing import Any

import pytest
from moto.core import serialize
from moto.core.serialize import JSONSerializer, ResponseSerializer, XFormedAttributePicker
from moto.core.utils import get_service_model

from devstack.moto_attribute_values import (
    AttributeValueJSONSerializer,
    UnknownAttributeValue,
    attribute_value_json,
    install,
)

EVERY_TYPE: dict[str, Any] = {
    "title": {"S": "Harbor Summer"}, "empty": {"S": ""}, "number": {"N": "60"},
    "poster": {"B": b"\x89PNG\r\n"}, "encoded": {"B": "already text"},
    "words": {"SS": ["river", "summer"]}, "scores": {"NS": ["1", "2.5"]},
    "thumbs": {"BS": [b"\x00\x01", b"\xff"]}, "gone": {"NULL": True},
    "ready": {"BOOL": True}, "hidden": {"BOOL": False},
    "genres": {"L": [{"M": {"genre_id": {"S": "horror"}, "name": {"S": "Horror"}}},
                     {"L": []}, {"M": {}}]},
}
KEY = {"facet": {"S": "status#ready"}, "movie_id": {"S": "m000059"}}
CAPACITY = {"TableName": "listing", "CapacityUnits": 0.5}
RESULTS: dict[str, dict[str, Any]] = {
    "Query": {"Count": 2, "ScannedCount": 3, "Items": [EVERY_TYPE, {**KEY, "n": {"N": "1"}}],
              "LastEvaluatedKey": KEY, "ConsumedCapacity": CAPACITY},
    "GetItem": {"Item": EVERY_TYPE},
    "UpdateItem": {"Attributes": EVERY_TYPE},
    "BatchGetItem": {"Responses": {"listing": [EVERY_TYPE, KEY]}, "UnprocessedKeys": {}},
    "TransactGetItems": {"Responses": [{"Item": EVERY_TYPE}, {}]},
    # An odd value (a type moto never stores) goes down moto's own path.
    "PutItem": {"Attributes": {"odd": {"s": "lower-case type"}, "none": {"S": None}}},
}


def _serialize(serializer: type[ResponseSerializer], operation: str,
               result: dict[str, Any]) -> Any:
    model = get_service_model("dynamodb")  # moto's own shapes, as its server uses
    return serializer(operation_model=model.operation_model(operation), pretty_print=False,
                      value_picker=XFormedAttributePicker()).serialize(result)


@pytest.mark.parametrize("operation", sorted(RESULTS))
def test_items_are_written_as_moto_writes_them(operation: str) -> None:
    expected = _serialize(JSONSerializer, operation, RESULTS[operation])
    assert _serialize(AttributeValueJSONSerializer, operation, RESULTS[operation]) == expected


def test_binary_values_are_base64() -> None:
    assert attribute_value_json({"B": b"\xff"}) == {"B": "/w=="}
    assert attribute_value_json({"BS": [b"\x00"]}) == {"BS": ["AA=="]}


@pytest.mark.parametrize("odd", [{"S": "a", "N": "1"}, {"X": "a"}, {"S": None}, "S"])
def test_a_value_that_is_not_one_typed_value_is_refused(odd: Any) -> None:
    with pytest.raises(UnknownAttributeValue):
        attribute_value_json(odd)


def test_install_makes_it_dynamodb_json_serializer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(serialize, "SERVICE_SPECIFIC_SERIALIZERS",
                        dict(serialize.SERVICE_SPECIFIC_SERIALIZERS))
    install()
    assert serialize.get_serializer_class("dynamodb", "json") is AttributeValueJSONSerializer
    assert serialize.get_serializer_class("sqs", "json") is JSONSerializer
