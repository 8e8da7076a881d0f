"""The API's OpenAPI document (chalicelib/core/openapi.py) in API Gateway's own
documentation, made by `make package`.

Chalice generates the REST API from its routes (a Swagger 2.0 body with no schemas), so
the 3.1 document is written next to the packaged template (`openapi.json`, what clients
and Swagger UI read) and its operations become DocumentationParts of the REST API: the
API's `info`, and each method's summary, tags and operation id. A DocumentationVersion
named after the document's digest publishes them; a changed document is a new version.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from cloud.intrinsics import Json, ref

REST_API = "RestAPI"  # the logical id `chalice package` gives the REST API
# Only OpenAPI fields are exported from a part; these are the ones a method carries.
METHOD_FIELDS = ("summary", "description", "tags", "operationId")


def documentation_resources(document: Json, rest_api: str = REST_API) -> Json:
    parts: Json = {"ApiDocsApi": _part(rest_api, {"Type": "API"}, {"info": document["info"]})}
    for path, methods in sorted(document["paths"].items()):
        for method, operation in sorted(methods.items()):
            fields = {name: operation[name] for name in METHOD_FIELDS if name in operation}
            location = {"Type": "METHOD", "Path": path, "Method": method.upper()}
            parts[_logical_id(method, path)] = _part(rest_api, location, fields)
    digest = hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()[:12]
    version = {
        "Type": "AWS::ApiGateway::DocumentationVersion",
        "DependsOn": sorted(parts),
        "Properties": {"RestApiId": ref(rest_api), "DocumentationVersion": f"doc-{digest}",
                       "Description": "The OpenAPI document of this package (openapi.json)."},
    }
    return {**parts, "ApiDocsVersion": version}


def _part(rest_api: str, location: Json, properties: dict[str, Any]) -> Json:
    return {"Type": "AWS::ApiGateway::DocumentationPart",
            "Properties": {"RestApiId": ref(rest_api), "Location": location,
                           "Properties": json.dumps(properties, sort_keys=True)}}


def _logical_id(method: str, path: str) -> str:
    """Readable, and unique even for paths that differ only in punctuation."""
    words = "".join(word.capitalize() for word in re.split(r"[^A-Za-z0-9]+", path) if word)
    digest = hashlib.sha256(f"{method} {path}".encode()).hexdigest()[:6]
    return f"ApiDocs{method.capitalize()}{words}{digest}"[:255]
