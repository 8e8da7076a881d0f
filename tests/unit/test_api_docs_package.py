"""`make package` puts the OpenAPI document into API Gateway's documentation: a part for
the API and one for every operation, published by a version. (make package cfn-lints the
whole template; linting here would cost ten seconds.)"""

from __future__ import annotations

import importlib
import json

from chalicelib.core.openapi import openapi_document
from cloud.api_docs import documentation_resources


def test_every_operation_has_a_documentation_part_and_the_version_publishes_them() -> None:
    document = openapi_document(importlib.import_module("app").app)
    resources = documentation_resources(document)
    parts = {name: r for name, r in resources.items()
             if r["Type"] == "AWS::ApiGateway::DocumentationPart"}
    methods = {(r["Properties"]["Location"].get("Path"), r["Properties"]["Location"].get("Method"))
               for r in parts.values() if r["Properties"]["Location"]["Type"] == "METHOD"}

    assert methods == {(path, method.upper()) for path, operations in document["paths"].items()
                       for method in operations}
    assert resources["ApiDocsVersion"]["DependsOn"] == sorted(parts)
    me = next(json.loads(r["Properties"]["Properties"]) for r in parts.values()
              if r["Properties"]["Location"].get("Path") == "/api/me"
              and r["Properties"]["Location"].get("Method") == "GET")
    assert me["operationId"] and me["summary"]
    assert all(name.isalnum() and len(name) <= 255 for name in resources)
    assert all(r["Properties"]["RestApiId"] == {"Ref": "RestAPI"} for r in resources.values())
