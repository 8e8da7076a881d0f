"""Movie numbers: the integer `id` of the Videoflix contract.

Videoflix frontends write a movie's id into click handlers unquoted
(`onclick="showVideo(${video.id})"`), so the id they see must be a JSON integer. Each movie
takes the next number of one atomic counter when it is made and keeps it; the counter only
goes up, so a number is never given twice, not even after its movie is deleted. The hex
`movie_id` stays the key every table uses; a number is only another way to name a movie.

Finding a movie by number is one Query of `number-index` (all attributes projected) in
place of the GetItem of its key: no request makes an extra call for it. The index is read
eventually consistently, like the listing a client learns the number from.
"""

from __future__ import annotations

import re

from pynamodb.exceptions import DoesNotExist, UpdateError

from chalicelib.catalog.listing import write_listing
from chalicelib.catalog.models import ListingModel, MovieModel, MovieNumberCounter
from chalicelib.core.dynamo import is_condition_failure
from chalicelib.core.errors import NotFound

COUNTER_KEY = "counter#movie-number"
# A number as a page writes it: no sign, no leading zero, and within what a JavaScript
# number holds exactly. A hex movie id has 32 characters, so it never reads as one.
NUMBER = re.compile(r"[1-9][0-9]{0,14}")


def next_movie_number() -> int:
    """The next number, taken atomically: concurrent callers each get their own."""
    counter = MovieNumberCounter(COUNTER_KEY)
    counter.update(actions=[MovieNumberCounter.last_number.add(1)])
    return int(counter.last_number)


def number_in(ref: str) -> int | None:
    """The number a client's reference holds, or None when it is not a number."""
    return int(ref) if NUMBER.fullmatch(ref) else None


def numbered_movie(number: int) -> MovieModel:
    """The movie with this number: one Query, in place of the GetItem of a movie_id."""
    found = next(iter(MovieModel.number_index.query(number, limit=1)), None)
    if found is None:
        raise NotFound(f"No movie {number}.")
    return found


def number_of(item: MovieModel | ListingModel) -> int:
    """The movie's number; a movie made before numbers existed gets its own now."""
    if item.number is not None:
        return int(item.number)
    return int(_give_number(item.movie_id).number)


def _give_number(movie_id: str) -> MovieModel:
    """Number an older movie once, whoever shows it first, and rewrite its cards to carry
    the number. A reader that loses the race reads the winner's number (its own is skipped,
    which costs nothing: numbers need not be consecutive)."""
    movie = MovieModel(movie_id)
    try:
        movie.update(actions=[MovieModel.number.set(next_movie_number())],
                     condition=MovieModel.movie_id.exists() & MovieModel.number.does_not_exist())
    except UpdateError as error:
        if not is_condition_failure(error):
            raise
        try:
            movie = MovieModel.get(movie_id, consistent_read=True)  # numbered meanwhile
        except DoesNotExist:
            raise NotFound(f"No movie {movie_id!r}.") from None
    write_listing(movie, set(movie.facets or set()))
    return movie
