"""What viewers call: the catalog, a movie, its images, reviews and the watchlist."""

from __future__ import annotations

from chalice.app import Response

from chalicelib.auth.access import Access
from chalicelib.auth.principal import Principal
from chalicelib.catalog import movies, reviews, terms, watchlist
from chalicelib.catalog.inputs import CatalogQuery, NewReview, ReviewEdit
from chalicelib.catalog.listing import ListingQuery, list_cards
from chalicelib.catalog.media import IMAGE_KINDS, PLACEHOLDER_THUMBNAIL, presigned_image
from chalicelib.catalog.shapes import (
    Card,
    Genre,
    MaturityRating,
    MovieDetail,
    Review,
    TermShape,
    WatchlistCard,
)
from chalicelib.catalog.terms import TermKind
from chalicelib.core.contract import to_json
from chalicelib.core.errors import NotFound
from chalicelib.core.http import ApiBlueprint
from chalicelib.core.paging import PageQuery, next_link, query_params
from chalicelib.core.settings import get_settings

catalog_routes = ApiBlueprint(__name__)


def _page(path: str, items: list[object], query: PageQuery, cursor: str | None) -> Response:
    """A page of a list, the next one named in a Link header."""
    return Response(body=to_json(items), status_code=200,
                    headers=next_link(path, query_params(query), cursor))


@catalog_routes.route("/api/video", methods=["GET"], auth=Access.USER, query=CatalogQuery,
                      response=list[Card])
def list_videos(caller: Principal, query: CatalogQuery) -> Response:
    """The catalog as Videoflix cards, filtered and ordered, a page at a time."""
    page = list_cards(ListingQuery.of(query, admin=caller.is_admin), query.cursor)
    return _page("/api/video", [movies.card_shape(card) for card in page.cards], query,
                 page.next_cursor)


@catalog_routes.route("/api/video/{movie_id}", methods=["GET"], auth=Access.USER,
                      response=MovieDetail)
def video_detail(movie_id: str, caller: Principal) -> MovieDetail:
    """A movie, by its id or its number."""
    return movies.detail_shape(movies.visible_movie(movie_id, admin=caller.is_admin))


@catalog_routes.route("/api/video/{movie_id}/images/{kind}", methods=["GET"],
                      auth=Access.PUBLIC)
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


@catalog_routes.route("/api/genres", methods=["GET"], auth=Access.USER, response=list[Genre])
def list_genres(caller: Principal) -> list[TermShape]:
    """Every genre."""
    return [term.public() for term in terms.list_terms(TermKind.GENRE)]


@catalog_routes.route("/api/maturity_ratings", methods=["GET"], auth=Access.USER,
                      response=list[MaturityRating])
def list_maturity_ratings(caller: Principal) -> list[TermShape]:
    """Every maturity rating, with the age it is for."""
    return [term.public() for term in terms.list_terms(TermKind.RATING)]


# ---------------------------------------------------------------- reviews
@catalog_routes.route("/api/video/{movie_id}/reviews", methods=["GET"], auth=Access.USER,
                      query=PageQuery, response=list[Review])
def movie_reviews(movie_id: str, caller: Principal, query: PageQuery) -> Response:
    """A movie's reviews, newest first."""
    page = reviews.list_reviews(movie_id, query.limit, query.cursor)
    return _page(f"/api/video/{movie_id}/reviews",
                 [reviews.review_shape(r) for r in page.reviews], query, page.next_cursor)


@catalog_routes.route("/api/video/{movie_id}/reviews", methods=["POST"], auth=Access.USER,
                      body=NewReview, response=Review, status=201)
def add_review(movie_id: str, caller: Principal, body: NewReview) -> Review:
    """Review a movie (once: then edit the review)."""
    return reviews.review_shape(reviews.add_review(movie_id, caller.user_id, body))


@catalog_routes.route("/api/video/{movie_id}/reviews/mine", methods=["PUT"],
                      auth=Access.USER, body=ReviewEdit, response=Review)
def update_my_review(movie_id: str, caller: Principal, body: ReviewEdit) -> Review:
    """Change the rating or the text of one's review."""
    review = reviews.update_review(movies.movie_key(movie_id), caller.user_id, body)
    return reviews.review_shape(review)


@catalog_routes.route("/api/video/{movie_id}/reviews/mine", methods=["DELETE"],
                      auth=Access.USER, status=204)
def delete_my_review(movie_id: str, caller: Principal) -> None:
    """Delete one's review."""
    reviews.delete_review(movies.movie_key(movie_id), caller.user_id)


# ---------------------------------------------------------------- watchlist
@catalog_routes.route("/api/watchlist", methods=["GET"], auth=Access.USER, query=PageQuery,
                      response=list[WatchlistCard])
def my_watchlist(caller: Principal, query: PageQuery) -> Response:
    """Watch Later, newest first."""
    page = watchlist.list_watchlist(caller.user_id, query.limit, query.cursor)
    return _page("/api/watchlist", [movies.watchlist_card(e.movie, e.added_at)
                                    for e in page.entries], query, page.next_cursor)


@catalog_routes.route("/api/watchlist/{movie_id}", methods=["PUT"], auth=Access.USER,
                      response=WatchlistCard)
def add_to_watchlist(movie_id: str, caller: Principal) -> WatchlistCard:
    """Add a movie to Watch Later (again: no change)."""
    entry = watchlist.add_to_watchlist(caller.user_id, movie_id)
    return movies.watchlist_card(entry.movie, entry.added_at)


@catalog_routes.route("/api/watchlist/{movie_id}", methods=["DELETE"], auth=Access.USER,
                      status=204)
def remove_from_watchlist(movie_id: str, caller: Principal) -> None:
    """Take a movie off Watch Later."""
    watchlist.remove_from_watchlist(caller.user_id, movies.movie_key(movie_id))
