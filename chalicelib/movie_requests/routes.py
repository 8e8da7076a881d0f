"""Movie requests over HTTP: users ask and follow their requests; admins triage them."""

from __future__ import annotations

from chalice.app import Response

from chalicelib.auth.access import Access
from chalicelib.auth.principal import Principal
from chalicelib.core.contract import to_json
from chalicelib.core.http import ApiBlueprint
from chalicelib.core.paging import PageQuery, next_link, query_params
from chalicelib.movie_requests import ledger, service
from chalicelib.movie_requests.inputs import Approval, MovieWish, Rejection, TriageQuery
from chalicelib.movie_requests.shapes import (
    AskedMovieRequest,
    MovieRequestShape,
    MyMovieRequest,
    TriagedMovieRequest,
)

request_routes = ApiBlueprint(__name__)


@request_routes.route("/api/requests", methods=["POST"], auth=Access.USER, body=MovieWish,
                      response=AskedMovieRequest, status=202)
def ask_for_movie(caller: Principal, body: MovieWish) -> AskedMovieRequest:
    """Ask for a movie the catalog lacks (or join the open request for it)."""
    return service.asked_shape(service.request_movie(caller.user_id, body))


@request_routes.route("/api/requests", methods=["GET"], auth=Access.USER, query=PageQuery,
                      response=list[MyMovieRequest])
def my_requests(caller: Principal, query: PageQuery) -> Response:
    """The caller's requests, most recent first."""
    page = ledger.requests_of(caller.user_id, query.limit, query.cursor)
    body = [service.my_request_shape(r, at) for r, at in page.requests]
    return Response(body=to_json(body), status_code=200,
                    headers=next_link("/api/requests", query_params(query), page.next_cursor))


@request_routes.route("/api/requests/{request_id}", methods=["GET"], auth=Access.USER,
                      response=MovieRequestShape)
def my_request(request_id: str, caller: Principal) -> MovieRequestShape:
    """One of the caller's requests, with its timeline."""
    return service.request_shape(service.my_request(caller.user_id, request_id))


@request_routes.route("/api/admin/requests", methods=["GET"], auth=Access.ADMIN,
                      query=TriageQuery, response=list[TriagedMovieRequest])
def requests_to_triage(caller: Principal, query: TriageQuery) -> Response:
    """Requests in one state (`requested` unless said)."""
    page = service.list_in_state(query)
    body = [service.triage_shape(r) for r, _ in page.requests]
    return Response(body=to_json(body), status_code=200,
                    headers=next_link("/api/admin/requests", query_params(query),
                                      page.next_cursor))


@request_routes.route("/api/admin/requests/{request_id}/approve", methods=["POST"],
                      auth=Access.ADMIN, body=Approval, response=TriagedMovieRequest,
                      status=202)
def approve_request(request_id: str, caller: Principal, body: Approval) -> TriagedMovieRequest:
    """Approve: the source is fetched and transcoded, and the requesters told."""
    return service.triage_shape(service.approve(request_id, body))


@request_routes.route("/api/admin/requests/{request_id}/reject", methods=["POST"],
                      auth=Access.ADMIN, body=Rejection, response=TriagedMovieRequest)
def reject_request(request_id: str, caller: Principal, body: Rejection) -> TriagedMovieRequest:
    """Reject, saying why (the requesters are told)."""
    return service.triage_shape(service.reject(request_id, body))
