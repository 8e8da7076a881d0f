"""What administrators call: movies, their images, genres, artists, maturity ratings, TMDb
search and import, and the pipeline view."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalicelib.auth.access import Access
from chalicelib.auth.principal import Principal
from chalicelib.catalog import images, importer, movies, pipeline, service, terms
from chalicelib.catalog.inputs import (
    MovieEdit,
    NewImage,
    NewMovie,
    NewTerm,
    TermFields,
    TmdbImport,
    TmdbSearchQuery,
)
from chalicelib.catalog.shapes import (
    Artist,
    Genre,
    MaturityRating,
    MovieDetail,
    PipelineView,
    TermShape,
    TmdbCandidate,
)
from chalicelib.catalog.terms import TermKind
from chalicelib.catalog.tmdb_search import search_tmdb
from chalicelib.core.http import ApiBlueprint

catalog_admin_routes = ApiBlueprint(__name__)
ADMIN = Access.ADMIN


@catalog_admin_routes.route("/api/admin/videos", methods=["POST"], auth=ADMIN, body=NewMovie,
                            response=MovieDetail, status=201)
def create_video(caller: Principal, body: NewMovie) -> MovieDetail:
    """A new draft movie; upload its video next."""
    return movies.detail_shape(movies.create_movie(body))


@catalog_admin_routes.route("/api/admin/videos/import", methods=["POST"], auth=ADMIN,
                            body=TmdbImport, response=MovieDetail, status=201)
def import_video(caller: Principal, body: TmdbImport) -> MovieDetail:
    """A draft movie from TMDb's record, credits and artwork (409 if imported already)."""
    return movies.detail_shape(importer.import_movie(body.wanted))


@catalog_admin_routes.route("/api/admin/videos/{movie_id}", methods=["PATCH"], auth=ADMIN,
                            body=MovieEdit, response=MovieDetail)
def update_video(movie_id: str, caller: Principal, body: MovieEdit) -> MovieDetail:
    """Change the fields sent (409 if the movie changed since it was read)."""
    return movies.detail_shape(movies.update_movie(movie_id, body))


@catalog_admin_routes.route("/api/admin/videos/{movie_id}", methods=["DELETE"], auth=ADMIN,
                            status=204)
def delete_video(movie_id: str, caller: Principal) -> None:
    """The movie, its files, cards, reviews and watchlist entries."""
    service.delete_movie(movie_id)


@catalog_admin_routes.route("/api/admin/videos/{movie_id}/images/{kind}", methods=["PUT"],
                            auth=ADMIN, body=NewImage, response=MovieDetail)
def replace_video_image(movie_id: str, kind: str, caller: Principal,
                        body: NewImage) -> MovieDetail:
    """Replace the poster or the backdrop (a JPEG, PNG or WebP file)."""
    return movies.detail_shape(images.replace_image(movie_id, kind, body))


@catalog_admin_routes.route("/api/admin/pipeline", methods=["GET"], auth=ADMIN,
                            response=PipelineView)
def transcode_pipeline(caller: Principal) -> PipelineView:
    """Movies by status, with how far their transcode has got."""
    return pipeline.pipeline()


@catalog_admin_routes.route("/api/admin/tmdb/search", methods=["GET"], auth=ADMIN,
                            query=TmdbSearchQuery, response=list[TmdbCandidate])
def tmdb_search(caller: Principal, query: TmdbSearchQuery) -> list[TmdbCandidate]:
    """TMDb's candidates for a title (and year), each saying if the catalog has it."""
    return search_tmdb(query)


def _term_routes(kind: TermKind, plural: str, shape: type[TermShape]) -> None:
    """POST/GET /api/admin/<plural>/ and PATCH/DELETE /api/admin/<plural>/{id}/."""
    collection, item = f"/api/admin/{plural}", f"/api/admin/{plural}/{{term_id}}"

    def create(caller: Principal, body: NewTerm) -> TermShape:
        return terms.create_term(kind, body).public()

    def list_all(caller: Principal) -> list[TermShape]:
        return [term.public() for term in terms.list_terms(kind)]

    def update(term_id: str, caller: Principal, body: TermFields) -> TermShape:
        term, renamed = terms.update_term(kind, term_id, body)
        if renamed and kind is not TermKind.RATING:
            movies.rename_term_in_movies(kind, term_id, term.name)
        return term.public()

    def delete(term_id: str, caller: Principal) -> None:
        terms.delete_term(kind, term_id)

    label = kind.label
    views: list[tuple[str, str, Callable[..., Any], dict[str, Any]]] = [
        (collection, "POST", create, {"body": NewTerm, "response": shape, "status": 201}),
        (collection, "GET", list_all, {"response": list[shape]}),  # type: ignore[valid-type]
        (item, "PATCH", update, {"body": TermFields, "response": shape}),
        (item, "DELETE", delete, {"status": 204}),
    ]
    summaries = {"POST": f"A new {label}.", "GET": f"Every {label}.",
                 "PATCH": f"Rename or describe a {label} (its movies follow).",
                 "DELETE": f"Delete a {label} no movie uses."}
    for path, method, view, contract in views:
        view.__name__ = f"{method.lower()}_{plural}"
        view.__doc__ = summaries[method]
        catalog_admin_routes.route(path, methods=[method], auth=ADMIN, **contract)(view)


_term_routes(TermKind.GENRE, "genres", Genre)
_term_routes(TermKind.ARTIST, "artists", Artist)
_term_routes(TermKind.RATING, "maturity_ratings", MaturityRating)
