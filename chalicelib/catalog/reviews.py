"""Reviews: one per user per movie; the movie's rating totals change in the same
transaction as the review, so the average stays exact under concurrent reviews.

A review shows its author's display name as it is now (one BatchGetItem a page, from the
auth context), never anything from the address: the `author` attribute older versions
stored (the address's local part) is not read.
"""

from __future__ import annotations

from dataclasses import dataclass

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.auth.accounts import display_names
from chalicelib.catalog.inputs import NewReview, ReviewEdit
from chalicelib.catalog.models import MovieModel, ReviewModel
from chalicelib.catalog.movies import refresh_cards, visible_movie
from chalicelib.catalog.shapes import Review
from chalicelib.core.clock import now_iso
from chalicelib.core.cursors import cursor_after, start_key
from chalicelib.core.dynamo import (
    CONDITION_FAILED,
    NamedTransaction,
    back_off,
    transaction_connection,
)
from chalicelib.core.errors import Conflict, NotFound

RETRIES = 8
CONFLICT_BACK_OFF_SECONDS = 0.05  # reviews of one movie share its rating totals


@dataclass(frozen=True)
class AuthoredReview:
    review: ReviewModel
    author: str  # the author's display name now


@dataclass(frozen=True)
class ReviewPage:
    reviews: list[AuthoredReview]
    next_cursor: str | None


def review_shape(authored: AuthoredReview) -> Review:
    review = authored.review
    return Review(movie_id=review.movie_id, user_id=review.user_id, author=authored.author,
                  rating=int(review.rating), text=review.text, created_at=review.created_at,
                  updated_at=review.updated_at)


def _authored(reviews: list[ReviewModel]) -> list[AuthoredReview]:
    names = display_names(review.user_id for review in reviews)
    return [AuthoredReview(review, names[review.user_id]) for review in reviews]


def add_review(movie_id: str, user_id: str, new: NewReview) -> AuthoredReview:
    rating, text = new.rating, new.text
    movie_id = visible_movie(movie_id, admin=False).movie_id  # the path may name its number
    stamp = now_iso()
    review = ReviewModel(movie_id, user_id, rating=rating, text=text or "",
                         created_sort=f"{stamp}#{user_id}", created_at=stamp, updated_at=stamp)
    for attempt in range(RETRIES):
        try:
            with NamedTransaction() as transaction:
                transaction.save("review", review,
                                 condition=ReviewModel.user_id.does_not_exist())
                transaction.update("totals", MovieModel(movie_id),
                                   actions=[MovieModel.rating_sum.add(rating),
                                            MovieModel.rating_count.add(1)],
                                   condition=MovieModel.movie_id.exists())
        except TransactWriteError as error:
            reasons = transaction.reasons(error)
            if reasons["review"] == CONDITION_FAILED:
                raise Conflict("You already reviewed this movie: edit your review "
                               "instead.") from None
            if reasons["totals"] == CONDITION_FAILED:
                raise NotFound(f"No movie {movie_id!r}.") from None
            # another review of the movie was being written: again
            back_off(attempt, CONFLICT_BACK_OFF_SECONDS)
            continue
        refresh_cards(movie_id)
        return _authored([review])[0]
    raise Conflict("The movie is being reviewed by many people right now; try again.")


def _mine(movie_id: str, user_id: str) -> ReviewModel:
    try:
        return ReviewModel.get(movie_id, user_id, consistent_read=True)
    except DoesNotExist:
        raise NotFound("You have not reviewed this movie.") from None


def update_review(movie_id: str, user_id: str, edit: ReviewEdit) -> AuthoredReview:
    rating, text = edit.rating, edit.text
    for attempt in range(RETRIES):
        review = _mine(movie_id, user_id)
        old = int(review.rating)
        new = rating if rating is not None else old
        try:
            with TransactWrite(connection=transaction_connection()) as transaction:
                transaction.update(review, actions=[
                    ReviewModel.rating.set(new), ReviewModel.text.set(text or review.text),
                    ReviewModel.updated_at.set(now_iso()),
                ], condition=ReviewModel.rating == old)
                transaction.update(MovieModel(movie_id),
                                   actions=[MovieModel.rating_sum.add(new - old)],
                                   condition=MovieModel.movie_id.exists())
        except TransactWriteError:
            # the review or the movie changed meanwhile: read again
            back_off(attempt, CONFLICT_BACK_OFF_SECONDS)
            continue
        refresh_cards(movie_id)
        return _authored([_mine(movie_id, user_id)])[0]
    raise Conflict("The review kept changing; try again.")


def delete_review(movie_id: str, user_id: str) -> None:
    for attempt in range(RETRIES):
        review = _mine(movie_id, user_id)
        try:
            with TransactWrite(connection=transaction_connection()) as transaction:
                transaction.delete(review, condition=ReviewModel.rating == review.rating)
                transaction.update(MovieModel(movie_id), actions=[
                    MovieModel.rating_sum.add(-int(review.rating)),
                    MovieModel.rating_count.add(-1),
                ], condition=MovieModel.movie_id.exists())
        except TransactWriteError:
            back_off(attempt, CONFLICT_BACK_OFF_SECONDS)
            continue
        refresh_cards(movie_id)
        return
    raise Conflict("The review kept changing; try again.")


def list_reviews(movie_id: str, limit: int, cursor: str | None) -> ReviewPage:
    movie_id = visible_movie(movie_id, admin=False).movie_id  # the path may name its number
    query = f"reviews|{movie_id}"
    result = ReviewModel.recent_index.query(
        movie_id, scan_index_forward=False, limit=limit, page_size=limit,
        last_evaluated_key=start_key(query, cursor),
    )
    reviews = list(result)
    full = len(reviews) == limit
    return ReviewPage(_authored(reviews),
                      cursor_after(query, result.last_evaluated_key if full else None))


def erase_reviews_of(user_id: str) -> int:
    """Account deletion: the user's reviews go, and the movies' totals follow."""
    movie_ids = [key.movie_id for key in ReviewModel.user_index.query(user_id)]
    for movie_id in movie_ids:
        try:
            delete_review(movie_id, user_id)
        except NotFound:
            continue
    return len(movie_ids)


def erase_reviews_of_movie(movie_id: str) -> None:
    with ReviewModel.batch_write() as batch:
        for review in ReviewModel.query(movie_id):
            batch.delete(review)
