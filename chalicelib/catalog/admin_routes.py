"""What administrators call: movies, their images, genres, artists, maturity ratings, TMDb
search and import, and the pipeline view."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalice.app import Response

from chalicelib.auth.principal import authenticate_admin
from chalicelib.catalog import images, importer, movies, pipeline, service, terms
from chalicelib.catalog.terms import TermKind
from chalicelib.catalog.tmdb_search import search_tmdb
from chalicelib.core.http import ApiBlueprint, json_body

catalog_admin_routes = ApiBlueprint(__name__)


def _admin_body() -> dict[str, Any]:
    authenticate_admin(catalog_admin_routes.current_request)
    return json_body(catalog_admin_routes.current_request)


@catalog_admin_routes.route("/api/admin/videos", methods=["POST"])
def create_video() -> Response:
    movie = movies.create_movie(_admin_body())
    return Response(body=movies.detail_shape(movie), status_code=201)


@catalog_admin_routes.route("/api/admin/videos/import", methods=["POST"])
def import_video() -> Response:
    movie = importer.import_movie(_admin_body().get("tmdb_id"))
    return Response(body=movies.detail_shape(movie), status_code=201)


@catalog_admin_routes.route("/api/admin/videos/{movie_id}", methods=["PATCH"])
def update_video(movie_id: str) -> dict[str, Any]:
    return movies.detail_shape(movies.update_movie(movie_id, _admin_body()))


@catalog_admin_routes.route("/api/admin/videos/{movie_id}", methods=["DELETE"])
def delete_video(movie_id: str) -> Response:
    authenticate_admin(catalog_admin_routes.current_request)
    service.delete_movie(movie_id)
    return Response(body="", status_code=204)


@catalog_admin_routes.route("/api/admin/videos/{movie_id}/images/{kind}", methods=["PUT"])
def replace_video_image(movie_id: str, kind: str) -> dict[str, Any]:
    return movies.detail_shape(images.replace_image(movie_id, kind, _admin_body()))


@catalog_admin_routes.route("/api/admin/pipeline", methods=["GET"])
def transcode_pipeline() -> dict[str, Any]:
    authenticate_admin(catalog_admin_routes.current_request)
    return {"statuses": pipeline.pipeline()}


@catalog_admin_routes.route("/api/admin/tmdb/search", methods=["GET"])
def tmdb_search() -> list[dict[str, Any]]:
    authenticate_admin(catalog_admin_routes.current_request)
    return search_tmdb(dict(catalog_admin_routes.current_request.query_params or {}))


def _term_routes(kind: TermKind, plural: str) -> None:
    """POST/GET /api/admin/<plural>/ and PATCH/DELETE /api/admin/<plural>/{id}/."""
    collection, item = f"/api/admin/{plural}", f"/api/admin/{plural}/{{term_id}}"

    def create() -> Response:
        return Response(body=terms.create_term(kind, _admin_body()).public(), status_code=201)

    def list_all() -> list[dict[str, Any]]:
        authenticate_admin(catalog_admin_routes.current_request)
        return [term.public() for term in terms.list_terms(kind)]

    def update(term_id: str) -> dict[str, Any]:
        term, renamed = terms.update_term(kind, term_id, _admin_body())
        if renamed and kind is not TermKind.RATING:
            movies.rename_term_in_movies(kind, term_id, term.name)
        return term.public()

    def delete(term_id: str) -> Response:
        authenticate_admin(catalog_admin_routes.current_request)
        terms.delete_term(kind, term_id)
        return Response(body="", status_code=204)

    views: list[tuple[str, str, Callable[..., Any]]] = [
        (collection, "POST", create), (collection, "GET", list_all),
        (item, "PATCH", update), (item, "DELETE", delete),
    ]
    for path, method, view in views:
        view.__name__ = f"{method.lower()}_{plural}"
        catalog_admin_routes.route(path, methods=[method])(view)


_term_routes(TermKind.GENRE, "genres")
_term_routes(TermKind.ARTIST, "artists")
_term_routes(TermKind.RATING, "maturity_ratings")
