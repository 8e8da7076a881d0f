"""Routes that belong to the platform itself rather than to a domain context."""

from __future__ import annotations

import functools
from typing import Any

from chalice.app import Chalice, Response

from chalicelib.auth.access import Access
from chalicelib.core.errors import DependencyUnavailable
from chalicelib.core.health import check_health
from chalicelib.core.http import ApiBlueprint, error_response
from chalicelib.core.openapi import openapi_document
from chalicelib.core.settings import get_settings

platform = ApiBlueprint(__name__)


@platform.route("/api/health", methods=["GET"], auth=Access.PUBLIC)
def health() -> Response:
    """Whether the stores the API needs answer (503 naming those that do not)."""
    report = check_health(get_settings())
    if report.healthy:
        return Response(body=report.to_body(), status_code=200)
    failing = ", ".join(report.failing)
    details: dict[str, Any] = report.to_body()
    return error_response(DependencyUnavailable(f"Unavailable: {failing}.", **details))


@platform.route("/api/openapi.json", methods=["GET"], auth=Access.PUBLIC)
def openapi() -> dict[str, Any]:
    """This API's OpenAPI 3.1 document, made from its route table."""
    return _document(platform.current_app, get_settings().public_api_url)


@functools.cache
def _document(app: Chalice, server_url: str) -> dict[str, Any]:
    return openapi_document(app, server_url)
