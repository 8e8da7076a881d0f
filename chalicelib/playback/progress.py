"""Resume positions and "continue watching"."""

from __future__ import annotations

from dataclasses import dataclass

from pynamodb.exceptions import DoesNotExist

from chalicelib.core.clock import now_iso
from chalicelib.playback.models import ProgressModel

FINISHED_AT = 0.95  # past 95% of the duration a movie counts as watched


@dataclass(frozen=True)
class Progress:
    movie_id: str
    position: float
    duration: float | None
    updated_at: str

    @property
    def finished(self) -> bool:
        return bool(self.duration) and self.position >= FINISHED_AT * float(self.duration or 0)


def _of(item: ProgressModel) -> Progress:
    return Progress(item.movie_id, float(item.position),
                    float(item.duration) if item.duration else None, item.updated_at)


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
