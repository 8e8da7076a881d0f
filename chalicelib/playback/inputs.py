"""What playback reads: watch-session bodies, plans and devices.

Each is a `contract.Model`, decoded at the edge; the services take these, never a dict.
"""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from msgspec import Meta

from chalicelib.core.contract import Model
from chalicelib.core.validation import Check, OptionalPlainText, PlainText

MAX_POSITION_SECONDS = 7 * 86400  # longer than any movie; a movie's own end is checked too
MAX_STREAMS = 10
PLAN_ID_PATTERN = "^[a-z0-9][a-z0-9_-]{0,39}$"
DEVICE_ID_PATTERN = "^[A-Za-z0-9._:-]{1,128}$"
Resolution = Literal[240, 360, 480, 720, 1080, 1440, 2160]
DeviceType = Literal["tv", "phone", "tablet", "desktop", "browser", "console", "other"]
RESOLUTIONS: tuple[int, ...] = get_args(Resolution)
DEVICE_TYPES: tuple[str, ...] = get_args(DeviceType)

Required = Annotated[str, Meta(min_length=1)]
# Seconds into the movie: a finite number from 0 up to a bound no movie reaches (the
# movie's own end is checked where the position is written). NaN and infinities fail it.
Position = Annotated[float, Meta(ge=0, le=MAX_POSITION_SECONDS)]


def _movie_ref(value: int | str) -> str:
    """The movie's id, or its number as Videoflix clients send it (a JSON integer)."""
    if isinstance(value, int):
        if value <= 0:
            raise ValueError("must be a movie id or a movie's number")
        return str(value)
    if not value:
        raise ValueError("is required")
    return value


class StartPlayback(Model, frozen=True):
    """Start watching on a registered device; `steal` takes over the stream of another
    device when the plan's streams are all in use, `evict_session_id` names which."""

    movie_id: Annotated[int | str, Check(_movie_ref)]
    device_id: Required
    steal: bool = False
    evict_session_id: str | None = None

    example = {"movie_id": 7, "device_id": "living-room-tv"}

    @property
    def movie_ref(self) -> str:
        return str(self.movie_id)  # a number's digits once decoded


class WatchPosition(Model, frozen=True):
    """A heartbeat, or the end of a watch session: where the viewer is."""

    watch_session_id: Required
    position: Position = 0.0

    example = {"watch_session_id": "1732870000_4f1c_0a1b2c3d", "position": 754.2}


PlanName = Annotated[PlainText, Meta(max_length=80)]
MaxStreams = Annotated[int, Meta(ge=1, le=MAX_STREAMS)]
PriceCents = Annotated[int, Meta(ge=0, le=10**9)]


class PlanEdit(Model, frozen=True):
    """The fields to change; the others keep their value."""

    name: Annotated[OptionalPlainText, Meta(max_length=80)] | None = None
    max_streams: MaxStreams | None = None
    max_resolution: Resolution | None = None
    price_cents: PriceCents | None = None

    example = {"max_streams": 3}


class NewPlan(Model, frozen=True):
    plan_id: Annotated[str, Meta(pattern=PLAN_ID_PATTERN)]
    name: PlanName
    max_streams: MaxStreams
    max_resolution: Resolution
    price_cents: PriceCents | None = None

    example = {"plan_id": "family", "name": "Family", "max_streams": 4,
               "max_resolution": 1080, "price_cents": 1499}


class PlanAssignment(Model, frozen=True):
    plan_id: Required

    example = {"plan_id": "premium"}


class NewDevice(Model, frozen=True):
    """A device to register, or to rename and retype when the account has it already."""

    device_id: Annotated[str, Meta(pattern=DEVICE_ID_PATTERN)]
    name: Annotated[PlainText, Meta(max_length=80)]
    device_type: DeviceType

    example = {"device_id": "living-room-tv", "name": "Living room", "device_type": "tv"}
