"""What users and admins do with movie requests: ask, list, approve, reject."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.catalog.requested import movie_for_tmdb
from chalicelib.catalog.tmdb import TmdbClient
from chalicelib.core.clients import s3
from chalicelib.core.errors import Conflict, InvalidInput, NotFound
from chalicelib.core.settings import get_settings
from chalicelib.movie_requests import ledger, steps
from chalicelib.movie_requests.inputs import Approval, MovieWish, Rejection, TriageQuery
from chalicelib.movie_requests.models import (
    APPROVED,
    REJECTED,
    REQUESTED,
    RequestRecord,
)
from chalicelib.movie_requests.shapes import (
    AskedMovieRequest,
    MovieRequestShape,
    MyMovieRequest,
    TimelineStep,
    TriagedMovieRequest,
)
from chalicelib.movie_requests.sources import checked_reference, find_source

REJECTABLE = (REQUESTED, APPROVED)


class MovieAlreadyAvailable(Conflict):
    code = "MovieAlreadyAvailable"


class NoSourceFound(Conflict):
    code = "NoSourceFound"


@dataclass(frozen=True)
class Asked:
    request: RequestRecord
    created: bool


def request_movie(user_id: str, wish: MovieWish,
                  tmdb: TmdbClient | None = None) -> Asked:
    """File the user's request, or add them to the open one for the same movie."""
    settings = get_settings()
    client = tmdb or TmdbClient(settings)
    tmdb_id = _wanted_tmdb_id(wish, client)
    available = movie_for_tmdb(tmdb_id)
    if available is not None and available.status == "ready":
        raise MovieAlreadyAvailable(f"{available.title} is already available.",
                                    movie_id=available.movie_id, title=available.title)
    limit = settings.movie_requests.max_open_per_user
    wanted: ledger.WantedMovie | None = None
    for _ in range(ledger.RETRIES):
        open_id = ledger.open_request_id(tmdb_id)
        if open_id is not None:
            try:
                return Asked(ledger.join_request(open_id, user_id, limit), created=False)
            except ledger.RequestSettled:
                continue  # it settled as we looked: file a new one
        wanted = wanted or _wanted_movie(tmdb_id, client)
        filed = ledger.file_request(wanted, user_id, limit)
        if filed is not None:
            if settings.movie_requests.auto_approve:
                steps.send(steps.TRIAGE, filed.request_id)
            return Asked(filed, created=True)
    raise Conflict("Many people are asking for this movie right now; try again.")


def _wanted_tmdb_id(wish: MovieWish, client: TmdbClient) -> int:
    if wish.wanted_id is not None:
        return wish.wanted_id
    title, year = wish.title, wish.year
    if title is None:
        raise InvalidInput("title is required (or a tmdb_id).", field="title")
    results = client.search(title, year)
    if not results:
        raise NotFound(f"TMDb knows no movie titled {title!r}"
                       + (f" from {year}." if year else "."), field="title")
    return results[0].tmdb_id


def _wanted_movie(tmdb_id: int, client: TmdbClient) -> ledger.WantedMovie:
    found = client.fetch_movie(tmdb_id)
    return ledger.WantedMovie(found.tmdb_id, found.title, found.release_year)


def _shape_fields(request: RequestRecord) -> dict[str, Any]:
    return {
        "request_id": request.request_id,
        "tmdb_id": int(request.tmdb_id or 0),
        "title": request.title,
        "year": int(request.release_year) if request.release_year else None,
        "state": request.state,
        "timeline": [TimelineStep(state=e.state, at=e.at, note=e.note or None)
                     for e in request.timeline or []],
        "movie_id": request.movie_id,
        "reason": request.reason,
        "created_at": request.created_at,
        "updated_at": request.updated_at,
    }


def request_shape(request: RequestRecord) -> MovieRequestShape:
    return MovieRequestShape(**_shape_fields(request))


def asked_shape(asked: Asked) -> AskedMovieRequest:
    return AskedMovieRequest(**_shape_fields(asked.request), created=asked.created)


def my_request_shape(request: RequestRecord, requested_at: str) -> MyMovieRequest:
    return MyMovieRequest(**_shape_fields(request), requested_at=requested_at)


def triage_shape(request: RequestRecord) -> TriagedMovieRequest:
    return TriagedMovieRequest(**_shape_fields(request),
                               requesters=len(request.requesters or ()),
                               source=request.source)


def my_request(user_id: str, request_id: str) -> RequestRecord:
    request = ledger.get_request(request_id)
    if user_id not in (request.requesters or set()):
        raise NotFound(f"No movie request {request_id!r}.")  # not one of the user's
    return request


def list_in_state(query: TriageQuery) -> ledger.RequestPage:
    return ledger.requests_in_state(query.state, query.limit, query.cursor)


def approve(request_id: str, approval: Approval, *, note: str = "approved by an admin"
            ) -> RequestRecord:
    """Approve with the admin's source, or one the configured places have; the loop takes
    over from here (its first message is sent before this returns)."""
    request = ledger.get_request(request_id)
    limits = get_settings().movie_requests
    given = approval.source_url
    source = checked_reference(given, limits) if given else \
        find_source(int(request.tmdb_id or 0), limits, s3())
    if source is None:
        raise NoSourceFound("No configured source has this movie: approve it with a "
                            "source_url.", request_id=request_id)
    approved = ledger.move(request_id, APPROVED, allowed_from=[REQUESTED], note=note,
                           source=source)
    if approved is None:
        raise Conflict(f"The request is {ledger.get_request(request_id).state}, not "
                       "requested.", request_id=request_id)
    try:
        steps.send(steps.CATALOG, request_id)
    except Exception:
        ledger.move(request_id, REQUESTED, allowed_from=[APPROVED], note="approval undone",
                    source=None)
        raise
    return approved


def reject(request_id: str, rejection: Rejection) -> RequestRecord:
    reason = rejection.reason
    rejected = ledger.move(request_id, REJECTED, allowed_from=REJECTABLE, note=reason,
                           reason=reason)
    if rejected is None:
        state = ledger.get_request(request_id).state
        raise Conflict(f"A request that is {state} cannot be rejected.", request_id=request_id)
    steps.announce_settled(request_id)
    return rejected
