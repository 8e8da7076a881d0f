"""The typed edge of the API: request and response models, and the one way to read them.

A body or query is a `Model` (a frozen msgspec Struct that refuses unknown fields) or,
where the Videoflix SPA's contract sends more than we read, a `LenientModel`. `decode`
builds one from a parsed JSON object or a query string, field by field, so that a 400
names every bad field at once (msgspec alone stops at the first): msgspec checks the
type and its `Meta` constraints, then the field's `Check` markers (validation.py) run.
"""

from __future__ import annotations

import functools
import types
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, TypeVar, Union, get_args, get_origin

import msgspec

from chalicelib.core.errors import InvalidFields, InvalidInput
from chalicelib.core.validation import Check, ascii_int


class Model(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """A request or response shape. `example`, when a class sets it, is shown in the API
    document and checked against the schema by the contract tests."""

    example: ClassVar[dict[str, Any] | None] = None


class LenientModel(Model, frozen=True, forbid_unknown_fields=False, kw_only=True):
    """A Videoflix-compatible body: fields we do not read are ignored, not refused."""


class Detail(Model, frozen=True):
    """An answer that is a sentence for people (logged out, playback stopped...)."""

    detail: str


M = TypeVar("M", bound=Model)


def decode(model: type[M], raw: Mapping[str, Any], *, from_query: bool = False) -> M:
    """`raw` (a JSON object, or a query string's parameters when `from_query`) as `model`,
    or one `InvalidFields` naming every field that is missing, unknown or bad."""
    problems: dict[str, str] = {}
    values: dict[str, Any] = {}
    for field in _fields(model):
        if field.encode_name not in raw:
            if field.required:
                problems[field.encode_name] = "is required"
            continue
        try:
            values[field.name] = _field_value(field.type, raw[field.encode_name], from_query)
        except (msgspec.ValidationError, ValueError, InvalidInput) as error:
            problems[field.encode_name] = _reason(error, field.encode_name)
    if model.__struct_config__.forbid_unknown_fields:
        known = {field.encode_name for field in _fields(model)}
        problems.update({name: "is not a known field" for name in raw if name not in known})
    if problems:
        raise InvalidFields(problems)
    return model(**values)


@functools.cache
def _fields(model: type[Model]) -> tuple[msgspec.structs.FieldInfo, ...]:
    # Resolves the (string) annotations: once per model, not per request.
    return msgspec.structs.fields(model)


def to_json(value: Any) -> Any:
    """A model (or a list of them) as the builtins Chalice serializes."""
    return msgspec.to_builtins(value)


def _field_value(annotation: Any, value: Any, from_query: bool) -> Any:
    if from_query and isinstance(value, str) and _accepts_int(annotation):
        number = ascii_int(value)
        if number is None:
            raise ValueError("must be a whole number written in ASCII digits")
        value = number
    return _checked(annotation, msgspec.convert(value, annotation, strict=not from_query))


def _checked(annotation: Any, value: Any) -> Any:
    """`value` (as msgspec decoded it) through the `Check`s its type names: the field's
    own, those of the union member it is, and those of a list's items."""
    if value is None:
        return None
    origin = get_origin(annotation)
    if origin is Annotated:
        value = _checked(get_args(annotation)[0], value)
        for check in (meta for meta in annotation.__metadata__ if isinstance(meta, Check)):
            value = check.run(value)
        return value
    if origin in (Union, types.UnionType):
        member = next((m for m in get_args(annotation) if _is_instance(value, m)), None)
        return value if member is None else _checked(member, value)
    if origin is list:
        return [_checked(get_args(annotation)[0], item) for item in value]
    return value


def _is_instance(value: Any, annotation: Any) -> bool:
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    kind = get_origin(annotation) or annotation
    return isinstance(kind, type) and isinstance(value, kind)


def _reason(error: Exception, name: str) -> str:
    """A reason that reads after the field's name: "title must be `str`, got `int`"."""
    if isinstance(error, InvalidInput):  # a check shared with services names the field
        return error.message.removeprefix(f"{name} ").rstrip(".")
    # msgspec names the path of a nested value ("at `$[0]`"); the field is named already.
    reason = str(error).replace(" - at `$`", "")
    if reason.startswith("Expected "):
        return "must be " + reason.removeprefix("Expected ")
    return reason if reason[:1].islower() else f"is invalid ({reason})"


def _accepts_int(annotation: Any) -> bool:
    if annotation is int:
        return True
    if get_origin(annotation) is Annotated:
        return _accepts_int(get_args(annotation)[0])
    if get_origin(annotation) in (Union, types.UnionType):
        return any(_accepts_int(member) for member in get_args(annotation))
    return False
