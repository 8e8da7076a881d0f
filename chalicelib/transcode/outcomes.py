"""What the transcode context tells the others when a movie's transcode ends.

It publishes; it does not know who listens. The movie-requests context subscribes (app.py
registers its handler for `MOVIE_TRANSCODED` on the notifications queue) and settles the
request the movie was made for, telling its requesters."""

from __future__ import annotations

from typing import Literal

from chalicelib.notify.service import queue_notification

MOVIE_TRANSCODED = "movie_transcoded"
Outcome = Literal["ready", "failed"]


def announce_transcoded(movie_id: str, request_id: str, outcome: Outcome,
                        reason: str = "") -> None:
    """`request_id`: the movie request the catalog says this movie fulfils."""
    queue_notification(MOVIE_TRANSCODED, {"movie_id": movie_id, "request_id": request_id,
                                          "outcome": outcome, "reason": reason[:500]})
