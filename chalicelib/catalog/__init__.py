"""Catalog: movies, genres, artists, maturity ratings, reviews, watchlist, requests."""
