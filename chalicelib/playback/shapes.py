"""What playback answers: watch sessions, continue watching, plans and devices."""

from __future__ import annotations

from chalicelib.catalog.shapes import Card
from chalicelib.core.contract import Model


class WatchSessionStarted(Model, frozen=True):
    watch_session_id: str
    master_playlist_url: str  # signed: carries the playback token
    lease_expires_at: int | float
    heartbeat_interval: int  # seconds between heartbeats
    resume_position: float


class WatchSessionRenewed(Model, frozen=True):
    watch_session_id: str
    lease_expires_at: int | float
    heartbeat_interval: int


class ActiveSession(Model, frozen=True):
    watch_session_id: str
    movie_id: str
    device_id: str
    started_at: int | float
    last_heartbeat_at: int | float
    lease_expires_at: int | float
    position: float


class ContinueWatchingCard(Card, frozen=True):
    position: float
    last_watched_at: str


class PlanShape(Model, frozen=True):
    id: str
    name: str
    max_streams: int
    max_resolution: int  # the tallest rendition a member receives
    price_cents: int | None


class DeviceShape(Model, frozen=True):
    id: str
    name: str
    device_type: str
    created_at: str
    updated_at: str


class AccountPlan(Model, frozen=True):
    """An account and the plan it is on."""

    id: str
    email: str
    role: str
    plan: str | None
