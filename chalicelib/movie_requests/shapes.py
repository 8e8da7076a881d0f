"""What the movie-request routes answer: a request as its requesters and admins see it."""

from __future__ import annotations

from chalicelib.core.contract import Model


class TimelineStep(Model, frozen=True, omit_defaults=True):
    state: str
    at: str
    note: str | None = None


class MovieRequestShape(Model, frozen=True):
    request_id: str
    tmdb_id: int
    title: str | None
    year: int | None
    state: str | None
    timeline: list[TimelineStep]
    movie_id: str | None  # the catalog's movie, once there is one
    reason: str | None  # why it was rejected or failed
    created_at: str | None
    updated_at: str | None


class AskedMovieRequest(MovieRequestShape, frozen=True):
    created: bool  # false: the user joined an open request for the same movie


class MyMovieRequest(MovieRequestShape, frozen=True):
    requested_at: str  # when this user asked


class TriagedMovieRequest(MovieRequestShape, frozen=True):
    requesters: int
    source: str | None  # an http(s) URL or s3://<ingest bucket>/<key>
