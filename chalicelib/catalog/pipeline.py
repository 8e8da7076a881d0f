"""The admin console's pipeline view: movies by status with how far their transcode has
got, and the one thing the transcode context needs to re-run a failed one.

Each status is one Query of the listing index (`status#<status>`); the movies that are
under way or failed are then read in one BatchGet for their progress and reason.
"""

from __future__ import annotations

from dataclasses import dataclass

import msgspec

from chalicelib.catalog import movies
from chalicelib.catalog.listing import ListingQuery, list_cards
from chalicelib.catalog.models import ListingModel, MovieModel
from chalicelib.catalog.shapes import PipelineRow, PipelineView
from chalicelib.core.errors import Conflict

# `playable` is a movie that plays while it is still transcoded (issue 17); a status this
# list does not know yet is simply not shown here.
PIPELINE_STATUSES = ("draft", "processing", "playable", "ready", "failed")
UNDER_WAY = ("processing", "playable", "failed")
MAX_PER_STATUS = 50


@dataclass(frozen=True)
class RerunSource:
    """What a re-run starts from: the movie and the upload it was last transcoded from."""

    movie_id: str
    source_key: str


def pipeline(per_status: int = MAX_PER_STATUS) -> PipelineView:
    """The newest `per_status` movies of each status, each as a pipeline row."""
    # A card may sit under another status's facet too (a playable movie is listed with the
    # ready ones for viewers): each movie shows once, under its own status.
    cards = {status: [card for card in list_cards(ListingQuery(status=status, limit=per_status),
                                                  None).cards if card.status == status]
             for status in PIPELINE_STATUSES}
    wanted = [card.movie_id for status in UNDER_WAY for card in cards[status]]
    details = {movie.movie_id: movie for movie in MovieModel.batch_get(wanted)} if wanted else {}
    return PipelineView(statuses={
        status: [_row(card, details.get(card.movie_id)) for card in found
                 if _still(status, details.get(card.movie_id))]
        for status, found in cards.items()})


def _still(status: str, movie: MovieModel | None) -> bool:
    """Whether a card of `status` is not stale. A status change rewrites the cards in a
    batch (listing.write_listing: the new ones saved, then the old deleted), so for a
    moment a movie has a card under its old status and its new one; where the movie
    itself was read, the card of the status it no longer has is left out."""
    return movie is None or movie.status == status


def _row(card: ListingModel, movie: MovieModel | None) -> PipelineRow:
    number = None if card.number is None else int(card.number)
    listed = PipelineRow(movie_id=card.movie_id, id=number, title=str(card.title),
                         status=str(card.status), created_at=str(card.created_at))
    if movie is None:
        return listed
    return msgspec.structs.replace(
        listed, status=str(movie.status), updated_at=movie.updated_at,
        progress=None if movie.progress is None else float(movie.progress),
        stage=transcode_stage(movie), reason=movie.status_reason, can_rerun=can_rerun(movie))


def transcode_stage(movie: MovieModel) -> str | None:
    """In words, where a transcode is; None when none runs."""
    if not movie.pending_version:
        return None
    if not movie.progress:
        return "starting"
    return "encoding" if float(movie.progress) < 100 else "publishing"


def can_rerun(movie: MovieModel) -> bool:
    return bool(movie.source_key) and not movie.pending_version and movie.status == "failed"


def source_to_rerun(ref: str) -> RerunSource:
    """The failed movie's last source; a movie that is not failed is a 409 (its transcode
    runs, or it plays: a new upload replaces it instead)."""
    movie = movies.find_movie(ref)
    if movie.pending_version:
        raise Conflict(f"{movie.title!r} is being transcoded already.", status=movie.status)
    if movie.status != "failed":
        raise Conflict(f"Only a failed movie can be re-run; {movie.title!r} is {movie.status}.",
                       status=movie.status)
    if not movie.source_key:
        raise Conflict(f"{movie.title!r} has no uploaded source to transcode again.",
                       status=movie.status)
    return RerunSource(movie.movie_id, movie.source_key)
