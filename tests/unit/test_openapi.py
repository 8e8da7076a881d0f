"""The OpenAPI document is made from the route table: valid OpenAPI 3.1, every declared
route in it with its auth, and every example a valid instance of its schema."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from openapi_spec_validator import validate
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from chalicelib.core.contract import Model, decode
from chalicelib.core.openapi import declared_operations, openapi_document


@pytest.fixture(scope="module")
def app() -> Any:
    return importlib.import_module("app").app


@pytest.fixture(scope="module")
def document(app: Any) -> dict[str, Any]:
    return openapi_document(app, "https://api.example.com")


def test_the_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    validate(document)
    assert document["openapi"].startswith("3.1")


def test_every_documented_route_is_in_the_document(app: Any,
                                                   document: dict[str, Any]) -> None:
    routed = {(op.path, op.method.lower()) for op in declared_operations(app)
              if op.documented}
    listed = {(path, method) for path, methods in document["paths"].items()
              for method in methods}

    assert routed == listed
    assert ("/api/openapi.json", "get") in listed


def test_signed_in_routes_name_their_security(document: dict[str, Any]) -> None:
    me = document["paths"]["/api/me"]["get"]
    register = document["paths"]["/api/register"]["post"]

    assert {"bearerAuth": []} in me["security"] and "401" in me["responses"]
    assert register["security"] == [] and "401" not in register["responses"]
    assert "403" in document["paths"]["/api/admin/users"]["get"]["responses"]


def test_every_example_validates_against_its_schema(document: dict[str, Any]) -> None:
    registry: Registry[Any] = Registry().with_resource(
        "urn:reelstack:openapi", DRAFT202012.create_resource(document))
    schemas = document["components"]["schemas"]
    checked = 0
    for name, schema in schemas.items():
        for example in schema.get("examples", []):
            validator = Draft202012Validator(
                {"$ref": f"urn:reelstack:openapi#/components/schemas/{name}"},
                registry=registry)
            assert list(validator.iter_errors(example)) == [], name
            checked += 1
    assert checked >= 10


def test_every_request_example_decodes_through_its_model(app: Any) -> None:
    models = {model for op in declared_operations(app) for model in (op.body, op.query)
              if model is not None and model.example is not None}
    assert models
    for model in models:
        assert model.example is not None
        assert isinstance(decode(model, model.example), Model)
