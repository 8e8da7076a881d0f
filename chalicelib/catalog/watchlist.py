"""Watch Later: idempotent adds and removes, listed newest first."""

from __future__ import annotations

from dataclasses import dataclass

from pynamodb.exceptions import PutError

from chalicelib.catalog.listing import WATCHABLE
from chalicelib.catalog.models import MovieModel, WatchlistModel
from chalicelib.catalog.movies import visible_movie
from chalicelib.core.clock import now_iso
from chalicelib.core.cursors import cursor_after, start_key
from chalicelib.core.dynamo import is_condition_failure


@dataclass(frozen=True)
class WatchlistEntry:
    movie: MovieModel
    added_at: str


@dataclass(frozen=True)
class WatchlistPage:
    entries: list[WatchlistEntry]
    next_cursor: str | None


def add_to_watchlist(user_id: str, ref: str) -> WatchlistEntry:
    movie = visible_movie(ref, admin=False)
    movie_id, stamp = movie.movie_id, now_iso()
    entry = WatchlistModel(user_id, movie_id, added_sort=f"{stamp}#{movie_id}", added_at=stamp)
    try:
        entry.save(condition=WatchlistModel.movie_id.does_not_exist())
    except PutError as error:
        if not is_condition_failure(error):
            raise
        entry = WatchlistModel.get(user_id, movie_id)  # already there: keep when it was added
    return WatchlistEntry(movie, entry.added_at)


def remove_from_watchlist(user_id: str, movie_id: str) -> None:
    WatchlistModel(user_id, movie_id).delete()


def list_watchlist(user_id: str, limit: int, cursor: str | None) -> WatchlistPage:
    query = f"watchlist|{user_id}"
    result = WatchlistModel.recent_index.query(
        user_id, scan_index_forward=False, limit=limit, page_size=limit,
        last_evaluated_key=start_key(query, cursor),
    )
    rows = list(result)
    movies = {m.movie_id: m for m in MovieModel.batch_get([r.movie_id for r in rows])}
    entries = [WatchlistEntry(movies[r.movie_id], r.added_at) for r in rows
               if r.movie_id in movies and movies[r.movie_id].status in WATCHABLE]
    full = len(rows) == limit
    return WatchlistPage(entries, cursor_after(query, result.last_evaluated_key if full else None))


def erase_watchlist_of(user_id: str) -> None:
    with WatchlistModel.batch_write() as batch:
        for entry in WatchlistModel.query(user_id):
            batch.delete(entry)


def erase_movie_from_watchlists(movie_id: str) -> None:
    with WatchlistModel.batch_write() as batch:
        for key in WatchlistModel.movie_index.query(movie_id):
            batch.delete(WatchlistModel(key.user_id, key.movie_id))
