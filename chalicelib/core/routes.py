"""Routes that belong to the platform itself rather than to a domain context."""

from __future__ import annotations

from typing import Any

from chalice.app import Response

from chalicelib.core.errors import DependencyUnavailable
from chalicelib.core.health import check_health
from chalicelib.core.http import ApiBlueprint, error_response
from chalicelib.core.settings import get_settings

platform = ApiBlueprint(__name__)


@platform.route("/api/health", methods=["GET"])
def health() -> Response:
    report = check_health(get_settings())
    if report.healthy:
        return Response(body=report.to_body(), status_code=200)
    failing = ", ".join(report.failing)
    details: dict[str, Any] = report.to_body()
    return error_response(DependencyUnavailable(f"Unavailable: {failing}.", **details))
