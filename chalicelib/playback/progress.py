"""Resume positions and "continue watching"."""

from __future__ import annotations

import math
from dataclasses import dataclass

from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.expressions.condition import Condition

from chalicelib.core.clock import now_iso
from chalicelib.core.dynamo import is_condition_failure
from chalicelib.core.errors import InvalidInput
from chalicelib.playback.models import ProgressModel

FINISHED_AT = 0.95  # past 95% of the duration a movie counts as watched
# A player may report a little past the stored duration: durations are probed and rounded,
# and the last segment can run longer.
END_SLACK_SECONDS = 30


class PastTheEnd(InvalidInput):
    def __init__(self) -> None:
        super().__init__("position is past the end of the movie.", field="position")


@dataclass(frozen=True)
class Progress:
    movie_id: str
    position: float
    duration: float | None
    updated_at: str

    @property
    def finished(self) -> bool:
        return bool(self.duration) and self.position >= FINISHED_AT * float(self.duration or 0)


def stored_seconds(value: float | None) -> float:
    """A number of seconds as stored, made safe to answer with: JSON has no NaN or
    Infinity, and positions saved before they were checked may hold them."""
    seconds = float(value or 0)
    return seconds if math.isfinite(seconds) and seconds > 0 else 0.0


def within_duration(position: float) -> Condition:
    """The condition, for a write of the movie's progress row, that `position` is not past
    the end of the movie (the duration stored when it was started), when that is known."""
    unknown = ProgressModel.duration.does_not_exist() | (ProgressModel.duration <= 0)
    within: Condition = unknown | (ProgressModel.duration >= position - END_SLACK_SECONDS)
    return within


def _of(item: ProgressModel) -> Progress:
    duration = stored_seconds(item.duration)
    return Progress(item.movie_id, stored_seconds(item.position), duration or None,
                    item.updated_at)


def resume_position(user_id: str, movie_id: str) -> float:
    try:
        saved = _of(ProgressModel.get(user_id, movie_id))
    except DoesNotExist:
        return 0.0
    return 0.0 if saved.finished else saved.position


def begin_watching(user_id: str, movie_id: str, duration: float | None, position: float) -> None:
    """Record that the movie was started (so it shows in continue watching)."""
    ProgressModel(user_id, movie_id, position=position, duration=duration,
                  updated_at=now_iso()).save()


def save_position(user_id: str, movie_id: str, position: float) -> None:
    """Save where the user is in the movie; InvalidInput when that is past its end."""
    try:
        ProgressModel(user_id, movie_id).update(actions=[
            ProgressModel.position.set(position), ProgressModel.updated_at.set(now_iso()),
        ], condition=within_duration(position))
    except UpdateError as error:
        if is_condition_failure(error):
            raise PastTheEnd() from None
        raise


def continue_watching(user_id: str, limit: int) -> list[Progress]:
    """Started and not finished, most recent first. Finished items are skipped in code;
    the query reads a few more than needed so a page still fills."""
    recent = ProgressModel.recent_index.query(user_id, scan_index_forward=False,
                                              limit=limit * 3, page_size=limit * 3)
    return [p for p in map(_of, recent) if not p.finished and p.position > 0][:limit]


def erase_progress_of(user_id: str) -> None:
    with ProgressModel.batch_write() as batch:
        for item in ProgressModel.query(user_id):
            batch.delete(item)
