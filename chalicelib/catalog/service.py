"""Catalog operations that span its parts: deleting a movie everywhere, account erasure."""

from __future__ import annotations

from chalicelib.catalog import movies, reviews, watchlist
from chalicelib.core.personal_data import on_account_deleted


def delete_movie(ref: str) -> None:
    """The movie (by movie_id or number) and everything about it: files, cards, reviews,
    watchlist entries."""
    movie_id = movies.find_movie(ref).movie_id
    reviews.erase_reviews_of_movie(movie_id)
    watchlist.erase_movie_from_watchlists(movie_id)
    movies.delete_movie(movie_id)


@on_account_deleted
def erase_catalog_data(user_id: str) -> None:
    reviews.erase_reviews_of(user_id)
    watchlist.erase_watchlist_of(user_id)
