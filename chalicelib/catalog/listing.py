"""The listing index: one card per (facet, movie), so every list page is one Query.

Facets: `status#<status>`, `all`, `genre#<id>`, `category#<slug>`, `type#<content type>`,
`rating#<code>`, `artist#<id>` and `word#<word>` for the words of the title and cast.
A page queries the most selective facet on the index of its ordering and filters the
rest; no request scans.

Viewers list what they can watch: ready movies, and playable ones (still being encoded,
watchable from the start). Both are in the `status#ready` partition, the one viewers'
lists have always queried, so that one Query still fills a page (and cards written before
`playable` existed stay where they are); a playable movie is also under `status#playable`,
for admins. A query for `ready` therefore means ready or playable, whichever facet serves it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import UpdateError
from pynamodb.expressions.condition import Condition

from chalicelib.catalog.inputs import CatalogQuery
from chalicelib.catalog.models import ListingModel, MovieModel
from chalicelib.catalog.text import slugify, words
from chalicelib.core.cursors import cursor_after, encode_cursor, start_key
from chalicelib.core.dynamo import is_condition_failure
from chalicelib.core.errors import Forbidden, InvalidInput

ORDERINGS = {
    # ordering -> (index, sort attribute, ascending)
    "-created_at": ("created-index", "created_sort", False),
    "created_at": ("created-index", "created_sort", True),
    "title": ("title-index", "title_sort", True),
    "-rating": ("rating-index", "rating_sort", False),
}
MAX_QUERY_CALLS = 4  # a sparse filter returns a short page and a cursor, not a long wait
PLAYABLE = "playable"  # set by transcoder events only (catalog/transcoding.py)
WATCHABLE = ("ready", PLAYABLE)  # what viewers see and play
LISTED_UNDER = {PLAYABLE: (PLAYABLE, "ready")}  # status -> the status facets it is listed in
SHOWN_FOR = {"ready": WATCHABLE}  # a status asked for -> the statuses it shows


def status_facets(status: str) -> set[str]:
    return {f"status#{listed}" for listed in LISTED_UNDER.get(status, (status,))}


def movie_words(movie: MovieModel) -> list[str]:
    return words(movie.title, *(member.name for member in movie.cast))


def facets_of(movie: MovieModel) -> set[str]:
    facets = {*status_facets(movie.status), "all", f"type#{movie.content_type}",
              f"category#{slugify(movie.category)}"}
    facets |= {f"genre#{genre.genre_id}" for genre in movie.genres}
    facets |= {f"artist#{member.artist_id}" for member in movie.cast}
    facets |= {f"word#{word}" for word in movie_words(movie)}
    if movie.maturity_rating:
        facets.add(f"rating#{movie.maturity_rating}")
    if movie.tmdb_id:
        facets.add(f"tmdb#{movie.tmdb_id}")
    return facets


def average_rating(movie: MovieModel) -> float:
    return round(movie.rating_sum / movie.rating_count, 2) if movie.rating_count else 0.0


def card_for(movie: MovieModel, facet: str) -> ListingModel:
    rating = average_rating(movie)
    return ListingModel(
        facet, movie.movie_id, number=movie.number,
        created_sort=f"{movie.created_at}#{movie.movie_id}",
        title_sort=f"{' '.join(words(movie.title)) or '~'}#{movie.movie_id}",
        rating_sort=f"{round(rating * 100):04d}#{movie.created_at}#{movie.movie_id}",
        status=movie.status, content_type=movie.content_type, title=movie.title,
        description=movie.description, category=movie.category,
        category_slug=slugify(movie.category), genres=list(movie.genres),
        genre_ids={g.genre_id for g in movie.genres} or None,
        words=set(movie_words(movie)) or None, maturity_rating=movie.maturity_rating,
        duration=movie.duration, thumbnail_url=movie.thumbnail_url or movie.poster_url,
        rating=rating, rating_count=movie.rating_count, created_at=movie.created_at,
        progress=_whole(movie.progress) if movie.status == PLAYABLE else None,
    )


def _whole(percent: float | None) -> int:
    return math.floor(percent or 0)


def show_progress(movie: MovieModel, percent: float) -> int:
    """Move the progress a playable movie's cards show to `percent` (whole percent: the
    caller calls when that changes). Each card is changed only while it still says
    playable, so a late progress event never undoes a newer card (ready, or gone).
    Returns how many cards changed."""
    changed = 0
    for facet in sorted(movie.facets or set()):
        try:
            ListingModel(facet, movie.movie_id).update(
                actions=[ListingModel.progress.set(_whole(percent))],
                condition=ListingModel.status == PLAYABLE)
            changed += 1
        except UpdateError as error:
            if not is_condition_failure(error):
                raise
    return changed


def write_listing(movie: MovieModel, previous_facets: set[str]) -> None:
    """Make the index show the movie as it is now (cards rewritten, stale facets gone)."""
    with ListingModel.batch_write() as batch:
        for facet in sorted(facets_of(movie)):
            batch.save(card_for(movie, facet))
        for facet in sorted(previous_facets - facets_of(movie)):
            batch.delete(ListingModel(facet, movie.movie_id))


def delete_listing(movie: MovieModel) -> None:
    with ListingModel.batch_write() as batch:
        for facet in sorted(movie.facets or facets_of(movie)):
            batch.delete(ListingModel(facet, movie.movie_id))


@dataclass(frozen=True)
class ListingQuery:
    status: str | None  # None: every status (admins only)
    genre: str | None = None
    category: str | None = None
    content_type: str | None = None
    search: str | None = None
    ordering: str = "-created_at"
    limit: int = 20

    @classmethod
    def of(cls, query: CatalogQuery, *, admin: bool) -> ListingQuery:
        """What a caller asked `GET /api/video` for; statuses other than `ready` are for
        admins only."""
        if query.status != "ready" and not admin:
            raise Forbidden("Only administrators can list movies that are not ready.")
        return cls(status=None if query.status == "all" else query.status,
                   genre=query.genre or None, category=query.category or None,
                   content_type=query.content_type, search=query.search or None,
                   ordering=query.ordering, limit=query.limit)

    def signature(self) -> str:
        return "|".join(str(v) for v in (self.status, self.genre, self.category,
                                         self.content_type, self.search, self.ordering))

    def primary_facet(self) -> tuple[str, list[str]]:
        """The facet to query, and the search words left to filter on."""
        wanted = words(self.search or "")
        if self.search and not wanted:
            raise InvalidInput("search needs at least one word to look for.", field="search")
        if wanted:
            longest = max(wanted, key=len)  # longer words are rarer: a smaller partition
            return f"word#{longest}", [w for w in wanted if w != longest]
        if self.genre:
            return f"genre#{self.genre}", []
        if self.category:
            return f"category#{slugify(self.category)}", []
        if self.content_type:
            return f"type#{self.content_type}", []
        return (f"status#{self.status}" if self.status else "all"), []

    def filters(self, facet: str, other_words: list[str]) -> Condition | None:
        conditions: list[Condition] = [ListingModel.words.contains(w) for w in other_words]
        if self.genre and facet != f"genre#{self.genre}":
            conditions.append(ListingModel.genre_ids.contains(self.genre))
        if self.category and not facet.startswith("category#"):
            # Compared as the category facet compares it (`Action`, `action`, `ACTION`
            # are one category), so a filter finds the same alone or with a search.
            conditions.append(ListingModel.category_slug == slugify(self.category))
        if self.content_type and facet != f"type#{self.content_type}":
            conditions.append(ListingModel.content_type == self.content_type)
        if self.status and facet != f"status#{self.status}":
            conditions.append(ListingModel.status.is_in(*SHOWN_FOR.get(self.status,
                                                                       (self.status,))))
        combined: Condition | None = None
        for condition in conditions:
            combined = condition if combined is None else combined & condition
        return combined


@dataclass(frozen=True)
class ListingPage:
    cards: list[ListingModel]
    next_cursor: str | None


def list_cards(query: ListingQuery, cursor: str | None) -> ListingPage:
    index_name, sort_attribute, ascending = ORDERINGS[query.ordering]
    facet, other_words = query.primary_facet()
    condition = query.filters(facet, other_words)
    connection = ListingModel._get_connection()
    cards: list[ListingModel] = []
    last_key: dict[str, Any] | None = start_key(query.signature(), cursor)
    for _ in range(MAX_QUERY_CALLS):
        # Without a filter one call of limit+1 items fills the page and tells if more exist.
        page_size = query.limit + 1 if condition is None else min(300, (query.limit + 1) * 4)
        response = connection.query(
            facet, index_name=index_name, filter_condition=condition, limit=page_size,
            scan_index_forward=ascending, exclusive_start_key=last_key,
        )
        for raw in response.get("Items", []):
            cards.append(ListingModel.from_raw_data(raw))
            if len(cards) > query.limit:
                return ListingPage(cards[:query.limit], _next(query, cards[query.limit - 1],
                                                              sort_attribute))
        last_key = response.get("LastEvaluatedKey")
        if not last_key:
            return ListingPage(cards, None)
        if len(cards) == query.limit:
            break
    if len(cards) == query.limit:
        return ListingPage(cards, _next(query, cards[-1], sort_attribute))
    return ListingPage(cards, cursor_after(query.signature(), last_key))


def _position(card: ListingModel, sort_attribute: str) -> dict[str, str]:
    return {"facet": card.facet, "movie_id": card.movie_id,
            sort_attribute: str(getattr(card, sort_attribute))}


def _next(query: ListingQuery, last: ListingModel, sort_attribute: str) -> str:
    return encode_cursor(query.signature(), _position(last, sort_attribute))
