"""What the movie-request routes read: a wish, an admin's approval or rejection, and the
triage query. Each is a `contract.Model`, decoded at the edge; the services take these."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta

from chalicelib.catalog.inputs import TmdbId, tmdb_id_of
from chalicelib.core.contract import LenientModel, Model
from chalicelib.core.paging import PageQuery
from chalicelib.core.validation import OptionalPlainText, PlainText

# The states of movie_requests.models, as a query may name them.
RequestState = Literal["requested", "approved", "acquiring", "transcoding", "ready",
                       "rejected", "failed"]


class MovieWish(LenientModel, frozen=True):
    """A movie a user asks for: by TMDb id, or by title (and year) when the id is not
    known; the first TMDb match is taken. Lenient: the request form is posted whole, with
    fields of the page's own (a consent box) that were always ignored."""

    tmdb_id: TmdbId | None = None
    title: Annotated[PlainText, Meta(max_length=300)] | None = None
    year: Annotated[int, Meta(ge=1870, le=2200)] | None = None

    example = {"title": "The General", "year": 1926}

    @property
    def wanted_id(self) -> int | None:
        return None if self.tmdb_id is None else tmdb_id_of(self.tmdb_id)


class Approval(Model, frozen=True):
    """Approve with this source, or (none given) with one the configured places have."""

    source_url: Annotated[OptionalPlainText, Meta(max_length=2000)] | None = None

    example = {"source_url": "https://archive.example.org/the-general.mp4"}


class Rejection(Model, frozen=True):
    reason: Annotated[PlainText, Meta(max_length=500)]  # shown to the requesters

    example = {"reason": "Not licensed for streaming here."}


class TriageQuery(PageQuery, frozen=True):
    state: RequestState = "requested"
