"""The OpenAPI 3.1 document of the API, made from the route table and its models (never
written by hand): every declared route, its auth, path parameters, query, body and
answer, the error shape, and the models' examples."""

from __future__ import annotations

import re
import types
from typing import Any, Union, get_args, get_origin

import msgspec
from chalice.app import Chalice

from chalicelib.auth.access import Access
from chalicelib.auth.cookies import ACCESS_COOKIE
from chalicelib.core.contract import LenientModel, Model
from chalicelib.core.http import Operation, operation_of

REF = "#/components/schemas/{name}"
_PATH_PARAMETER = re.compile(r"\{(\w+)\+?\}")
_SIGNED_IN: list[dict[str, list[str]]] = [{"bearerAuth": []}, {"cookieAuth": []}]
SECURITY_SCHEMES = {
    "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                   "description": "An access token from POST /auth/login."},
    "cookieAuth": {"type": "apiKey", "in": "cookie", "name": ACCESS_COOKIE,
                   "description": "The access cookie POST /api/login sets (browsers)."},
    "playbackToken": {"type": "apiKey", "in": "query", "name": "token",
                      "description": "A playback token from starting a watch session."},
}


class ErrorBody(LenientModel, frozen=True):
    """Every error: a code to branch on and a message to show; a 400 about fields names
    the first in `field` and each with its reason in `fields`. Other details may follow
    (e.g. `retry_after`)."""

    Code: str
    Message: str
    field: str | None = None
    fields: dict[str, str] | None = None
    example = {"Code": "InvalidInput", "Message": "Invalid input (email: is required).",
               "field": "email", "fields": {"email": "is required"}}


def declared_operations(app: Chalice) -> list[Operation]:
    """Every route of `app` with its declaration; a route registered outside ApiBlueprint
    appears with `auth` None, as an undeclared one does."""
    found = []
    for path, methods in sorted(app.routes.items()):
        for method, entry in sorted(methods.items()):
            operation = operation_of(entry.view_function, method)
            found.append(operation or Operation(path, method, entry.view_name, None))
    return found


def openapi_document(app: Chalice, server_url: str | None = None) -> dict[str, Any]:
    operations = [op for op in declared_operations(app) if op.documented]
    models = sorted({member for op in operations for model in _models(op)
                     for member in _members(model)}, key=str)
    refs, schemas = msgspec.json.schema_components([ErrorBody, *models], ref_template=REF)
    schema_of = dict(zip([ErrorBody, *models], refs, strict=True))
    for op in operations:
        for model in _models(op):
            if model not in schema_of:  # an answer that is one of several shapes
                schema_of[model] = {"anyOf": [schema_of[m] for m in _members(model)]}
    for model in [ErrorBody, *models]:
        example = _example(model)
        if example is not None:
            schemas[_component_name(schema_of[model])]["examples"] = [example]
    paths: dict[str, dict[str, Any]] = {}
    names: set[str] = set()
    for op in operations:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op, schema_of, schemas,
                                                                       names)
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": f"{app.app_name} API", "version": "1.0.0",
                 "description": "Generated from the route table (docs/contract.md)."},
        "paths": paths,
        "components": {"schemas": schemas, "responses": _error_responses(schema_of[ErrorBody]),
                       "securitySchemes": SECURITY_SCHEMES},
    }
    if server_url:
        document["servers"] = [{"url": server_url}]
    return document


def _models(op: Operation) -> list[Any]:
    return [t for t in (op.body, op.query, op.response) if t is not None]


def _members(model: Any) -> tuple[Any, ...]:
    """A union of Structs (msgspec schemas it only when tagged) as its members."""
    if get_origin(model) in (Union, types.UnionType):
        return get_args(model)
    return (model,)


def _example(model: Any) -> dict[str, Any] | None:
    if isinstance(model, type) and issubclass(model, Model):
        return model.example
    return None


def _component_name(ref: dict[str, Any]) -> str:
    return str(ref["$ref"]).rsplit("/", 1)[1]


def _operation(op: Operation, schema_of: dict[Any, dict[str, Any]],
               schemas: dict[str, Any], names: set[str]) -> dict[str, Any]:
    parameters = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                  for name in _PATH_PARAMETER.findall(op.path)]
    if op.query is not None:
        query = schemas[_component_name(schema_of[op.query])]
        parameters += [{"name": name, "in": "query", "schema": schema,
                        "required": name in query.get("required", [])}
                       for name, schema in query.get("properties", {}).items()]
    answer: dict[str, Any] = {"description": "No content" if op.status == 204 else "OK"}
    if op.response is not None and op.status != 204:
        answer["content"] = {"application/json": {"schema": schema_of[op.response]}}
    responses: dict[str, Any] = {str(op.status): answer}
    if parameters or op.body is not None:
        responses["400"] = {"$ref": "#/components/responses/InvalidInput"}
    if op.auth is not None and not op.auth.public:
        responses["401"] = {"$ref": "#/components/responses/Unauthorized"}
    if op.auth is Access.ADMIN:
        responses["403"] = {"$ref": "#/components/responses/Forbidden"}
    responses["default"] = {"$ref": "#/components/responses/Error"}
    described: dict[str, Any] = {"operationId": _unique(op, names), "responses": responses,
                                 "tags": [op.path.strip("/").split("/")[1 if
                                          op.path.startswith("/api/") else 0]]}
    if op.summary:
        described["summary"] = op.summary
    if parameters:
        described["parameters"] = parameters
    if op.auth is not None:
        described["security"] = _security(op.auth)
    if op.body is not None:
        body: dict[str, Any] = {"schema": schema_of[op.body]}
        if op.body.example is not None:
            body["example"] = op.body.example
        # A body whose fields all have defaults may be left out (an empty body is `{}`).
        needed = bool(schemas[_component_name(schema_of[op.body])].get("required"))
        described["requestBody"] = {"required": needed, "content": {"application/json": body}}
    return described


def _error_responses(error: dict[str, Any]) -> dict[str, Any]:
    content = {"application/json": {"schema": error}}
    return {name: {"description": description, "content": content} for name, description in [
        ("InvalidInput", "Invalid input: `fields` names every bad field"),
        ("Unauthorized", "Not signed in, or the token is invalid"),
        ("Forbidden", "Not an administrator"),
        ("Error", "An error")]}


def _security(auth: Access) -> list[dict[str, list[str]]]:
    if auth.public:
        return []
    return [*_SIGNED_IN, {"playbackToken": []}] if auth.admits_playback_token else _SIGNED_IN


def _unique(op: Operation, names: set[str]) -> str:
    name = op.name
    if name in names:
        name = f"{op.name}_{op.method.lower()}"
    while name in names:
        name += "_"
    names.add(name)
    return name
