"""What viewers call: the catalog, a movie, its images, reviews and the watchlist."""

from __future__ import annotations

from typing import Any

from chalice.app import Response

from chalicelib.auth.principal import Principal, authenticate
from chalicelib.catalog import movies, reviews, terms, watchlist
from chalicelib.catalog.listing import ORDERINGS, ListingQuery, list_cards
from chalicelib.catalog.media import IMAGE_KINDS, PLACEHOLDER_THUMBNAIL, presigned_image
from chalicelib.catalog.terms import TermKind
from chalicelib.core.errors import Forbidden, InvalidInput, NotFound
from chalicelib.core.http import ApiBlueprint, json_body
from chalicelib.core.paging import next_link, page_request
from chalicelib.core.settings import get_settings

catalog_routes = ApiBlueprint(__name__)


def _caller() -> Principal:
    return authenticate(catalog_routes.current_request)


def _params() -> dict[str, str]:
    return dict(catalog_routes.current_request.query_params or {})


def _listing_query(params: dict[str, str], principal: Principal, limit: int) -> ListingQuery:
    status = params.get("status", "ready")
    if status != "ready" and not principal.is_admin:
        raise Forbidden("Only administrators can list movies that are not ready.")
    if status not in ("ready", "draft", "processing", "playable", "failed", "all"):
        raise InvalidInput("status must be ready, draft, processing, playable, failed or all.",
                           field="status")
    ordering = params.get("ordering", "-created_at")
    if ordering not in ORDERINGS:
        raise InvalidInput(f"ordering must be one of {', '.join(ORDERINGS)}.", field="ordering")
    content_type = params.get("content_type")
    if content_type is not None and content_type not in movies.CONTENT_TYPES:
        raise InvalidInput("content_type must be movie or show.", field="content_type")
    return ListingQuery(status=None if status == "all" else status,
                        genre=params.get("genre") or None,
                        category=params.get("category") or None,
                        content_type=content_type, search=params.get("search") or None,
                        ordering=ordering, limit=limit)


@catalog_routes.route("/api/video", methods=["GET"])
def list_videos() -> Response:
    principal, params = _caller(), _params()
    paging = page_request(params)
    page = list_cards(_listing_query(params, principal, paging.limit), paging.cursor)
    return Response(body=[movies.card_shape(card) for card in page.cards], status_code=200,
                    headers=next_link("/api/video", params, page.next_cursor))


@catalog_routes.route("/api/video/{movie_id}", methods=["GET"])
def video_detail(movie_id: str) -> dict[str, Any]:
    principal = _caller()
    return movies.detail_shape(movies.visible_movie(movie_id, admin=principal.is_admin))


@catalog_routes.route("/api/video/{movie_id}/images/{kind}", methods=["GET"])
def video_image(movie_id: str, kind: str) -> Response:
    """A stable image URL (public, like any poster) that redirects to a fresh signed one."""
    if kind not in IMAGE_KINDS:
        raise NotFound(f"No image kind {kind!r}.")
    movie = movies.visible_movie(movie_id, admin=False)
    stored = {"poster": movie.poster_url, "backdrop": movie.backdrop_url,
              "thumbnail": movie.thumbnail_url or movie.poster_url}[kind]
    if not stored and kind == "thumbnail":
        return Response(body=PLACEHOLDER_THUMBNAIL, status_code=200, headers={
            "Content-Type": "image/svg+xml", "Cache-Control": "public, max-age=300"})
    if not stored:
        raise NotFound(f"The movie has no {kind}.")
    target = stored if stored.startswith("http") else presigned_image(get_settings(), stored)
    return Response(body="", status_code=302,
                    headers={"Location": target, "Cache-Control": "private, max-age=300"})


@catalog_routes.route("/api/genres", methods=["GET"])
def list_genres() -> list[dict[str, Any]]:
    _caller()
    return [term.public() for term in terms.list_terms(TermKind.GENRE)]


@catalog_routes.route("/api/maturity_ratings", methods=["GET"])
def list_maturity_ratings() -> list[dict[str, Any]]:
    _caller()
    return [term.public() for term in terms.list_terms(TermKind.RATING)]


# ---------------------------------------------------------------- reviews
@catalog_routes.route("/api/video/{movie_id}/reviews", methods=["GET"])
def movie_reviews(movie_id: str) -> Response:
    _caller()
    params = _params()
    paging = page_request(params)
    page = reviews.list_reviews(movie_id, paging.limit, paging.cursor)
    return Response(body=[reviews.review_shape(r) for r in page.reviews], status_code=200,
                    headers=next_link(f"/api/video/{movie_id}/reviews", params,
                                      page.next_cursor))


@catalog_routes.route("/api/video/{movie_id}/reviews", methods=["POST"])
def add_review(movie_id: str) -> Response:
    principal = _caller()
    review = reviews.add_review(movie_id, principal.user_id,
                                json_body(catalog_routes.current_request))
    return Response(body=reviews.review_shape(review), status_code=201)


@catalog_routes.route("/api/video/{movie_id}/reviews/mine", methods=["PUT"])
def update_my_review(movie_id: str) -> dict[str, Any]:
    principal = _caller()
    review = reviews.update_review(movies.movie_key(movie_id), principal.user_id,
                                   json_body(catalog_routes.current_request))
    return reviews.review_shape(review)


@catalog_routes.route("/api/video/{movie_id}/reviews/mine", methods=["DELETE"])
def delete_my_review(movie_id: str) -> Response:
    user_id = _caller().user_id
    reviews.delete_review(movies.movie_key(movie_id), user_id)
    return Response(body="", status_code=204)


# ---------------------------------------------------------------- watchlist
@catalog_routes.route("/api/watchlist", methods=["GET"])
def my_watchlist() -> Response:
    principal, params = _caller(), _params()
    paging = page_request(params)
    page = watchlist.list_watchlist(principal.user_id, paging.limit, paging.cursor)
    body = [{**movies.card_shape(e.movie), "added_at": e.added_at} for e in page.entries]
    return Response(body=body, status_code=200,
                    headers=next_link("/api/watchlist", params, page.next_cursor))


@catalog_routes.route("/api/watchlist/{movie_id}", methods=["PUT"])
def add_to_watchlist(movie_id: str) -> dict[str, Any]:
    entry = watchlist.add_to_watchlist(_caller().user_id, movie_id)
    return {**movies.card_shape(entry.movie), "added_at": entry.added_at}


@catalog_routes.route("/api/watchlist/{movie_id}", methods=["DELETE"])
def remove_from_watchlist(movie_id: str) -> Response:
    user_id = _caller().user_id
    watchlist.remove_from_watchlist(user_id, movies.movie_key(movie_id))
    return Response(body="", status_code=204)
