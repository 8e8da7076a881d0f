"""DynamoDB items written out by moto's server as fast as the data allows.

moto 5 writes every response by walking botocore's shape model, and an item attribute is
an `AttributeValue` structure of ten members, each looked up through several spellings of
its name. A catalog page (21 cards of about 20 attributes) took about 75 ms of the
emulator's one DynamoDB lock (devstack/moto_server.py), nine tenths of its busy time under
`make bench-load`: the emulator, not the API, set the stack's requests/s.

`AttributeValueJSONSerializer` writes an `AttributeValue` directly, exactly as moto's
generic path does (tests/unit/test_moto_attribute_values.py compares the two), and
leaves every other shape to moto.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from moto.core import serialize
from moto.core.model import Shape
from moto.core.serialize import JSONSerializer

ATTRIBUTE_VALUE_SHAPE = "AttributeValue"


def _text(value: Any) -> Any:
    # As moto's string serializer: str() of anything but an empty value.
    return str(value) if value not in [None, {}, []] else value


def _blob(value: str | bytes) -> str:
    raw = value.encode("utf-8") if isinstance(value, str) else value
    return base64.b64encode(raw).strip().decode("utf-8")


def _texts(values: Any) -> list[Any]:
    return [_text(value) for value in values]


def _blobs(values: Any) -> list[str]:
    return [_blob(value) for value in values]


def _map(values: Any) -> dict[str, Any]:
    return {name: attribute_value_json(value) for name, value in values.items()}


def _list(values: Any) -> list[Any]:
    return [attribute_value_json(value) for value in values]


def _as_is(value: Any) -> Any:
    return value


_WRITERS: dict[str, Callable[[Any], Any]] = {
    "S": _text, "N": _text, "B": _blob, "SS": _texts, "NS": _texts, "BS": _blobs,
    "M": _map, "L": _list, "NULL": _as_is, "BOOL": _as_is,
}


class UnknownAttributeValue(ValueError):
    """A value that is not `{type: value}` with one DynamoDB type: moto's path writes it."""


def attribute_value_json(value: Any) -> dict[str, Any]:
    """The wire JSON of one attribute value, `{"S": "text"}`, `{"M": {...}}`..."""
    if not isinstance(value, dict) or len(value) != 1:
        raise UnknownAttributeValue(repr(value))
    (kind, inner), = value.items()
    writer = _WRITERS.get(kind)
    if writer is None or inner is None:
        raise UnknownAttributeValue(repr(value))
    return {kind: writer(inner)}


class AttributeValueJSONSerializer(JSONSerializer):
    """moto's DynamoDB serializer, writing item attributes directly."""

    def _serialize(self, serialized: Any, value: Any, shape: Shape, key: str) -> None:
        if shape.name == ATTRIBUTE_VALUE_SHAPE:
            try:
                serialized[self.get_serialized_name(shape, key)] = attribute_value_json(value)
                return
            except UnknownAttributeValue:
                pass  # an odd value moto may still know how to write
        super()._serialize(serialized, value, shape, key)


def install() -> None:
    """Use the fast serializer for DynamoDB's JSON protocol in this process."""
    serialize.SERVICE_SPECIFIC_SERIALIZERS["dynamodb"] = {"json": AttributeValueJSONSerializer}
