"""Movie requests over HTTP: users ask and follow their requests; admins triage them."""

from __future__ import annotations

from typing import Any

from chalice.app import Response

from chalicelib.auth.principal import authenticate, authenticate_admin
from chalicelib.core.http import ApiBlueprint, json_body
from chalicelib.core.paging import next_link, page_request
from chalicelib.movie_requests import ledger, service

request_routes = ApiBlueprint(__name__)


def _params() -> dict[str, str]:
    return dict(request_routes.current_request.query_params or {})


@request_routes.route("/api/requests", methods=["POST"])
def ask_for_movie() -> Response:
    principal = authenticate(request_routes.current_request)
    asked = service.request_movie(principal.user_id, json_body(request_routes.current_request))
    body = service.request_shape(asked.request)
    return Response(body={**body, "created": asked.created}, status_code=202)


@request_routes.route("/api/requests", methods=["GET"])
def my_requests() -> Response:
    principal, params = authenticate(request_routes.current_request), _params()
    paging = page_request(params)
    page = ledger.requests_of(principal.user_id, paging.limit, paging.cursor)
    body = [service.request_shape(r, requested_at=at) for r, at in page.requests]
    return Response(body=body, status_code=200,
                    headers=next_link("/api/requests", params, page.next_cursor))


@request_routes.route("/api/requests/{request_id}", methods=["GET"])
def my_request(request_id: str) -> dict[str, Any]:
    principal = authenticate(request_routes.current_request)
    return service.request_shape(service.my_request(principal.user_id, request_id))


@request_routes.route("/api/admin/requests", methods=["GET"])
def requests_to_triage() -> Response:
    authenticate_admin(request_routes.current_request)
    params = _params()
    paging = page_request(params)
    page = service.list_in_state(params.get("state"), paging.limit, paging.cursor)
    body = [service.request_shape(r, admin=True) for r, _ in page.requests]
    return Response(body=body, status_code=200,
                    headers=next_link("/api/admin/requests", params, page.next_cursor))


@request_routes.route("/api/admin/requests/{request_id}/approve", methods=["POST"])
def approve_request(request_id: str) -> Response:
    authenticate_admin(request_routes.current_request)
    body = json_body(request_routes.current_request)
    approved = service.approve(request_id, body)
    return Response(body=service.request_shape(approved, admin=True), status_code=202)


@request_routes.route("/api/admin/requests/{request_id}/reject", methods=["POST"])
def reject_request(request_id: str) -> dict[str, Any]:
    authenticate_admin(request_routes.current_request)
    rejected = service.reject(request_id, json_body(request_routes.current_request))
    return service.request_shape(rejected, admin=True)
