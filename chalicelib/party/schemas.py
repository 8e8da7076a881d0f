"""What the watch-party routes read and answer (docs/contract.md)."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta

from chalicelib.core.contract import Model

Control = Literal["host", "everyone"]
# A catalog id, or a Videoflix client's number for the movie.
MovieRef = Annotated[str, Meta(min_length=1, max_length=128)] | Annotated[int, Meta(gt=0)]


class NewParty(Model, frozen=True):
    movie_id: MovieRef
    control: Control = "host"
    example = {"movie_id": "2f1c0c7e9b8a4d6e8f0a1b2c3d4e5f60", "control": "host"}


class Invitation(Model, frozen=True):
    invite_code: Annotated[str, Meta(min_length=1, max_length=64)]
    example = {"invite_code": "Zq3xY7a1b2C3d4E5f6G7hA"}


class ControlChange(Model, frozen=True):
    control: Control
    example = {"control": "everyone"}


class PartyMember(Model, frozen=True):
    user_id: str
    display_name: str
    is_host: bool
    online: bool
    may_control: bool


class PartyPlayback(Model, frozen=True):
    """At server time `at` the movie was at `position`, moving at `rate` if `playing`."""

    playing: bool
    position: float
    rate: float
    at: float
    version: int
    waiting_for: list[str]
    wait_until: float | None
    waiting: bool


class PartyView(Model, frozen=True):
    party_id: str
    movie_id: str
    movie_title: str
    host_user_id: str
    control: Control
    you: str
    you_control: bool
    invite_code: str
    invite_url: str | None
    socket_url: str
    max_members: int
    ends_at: float
    ended: bool
    members: list[PartyMember]
    state: PartyPlayback
    server_time: float


class SocketTicket(Model, frozen=True):
    ticket: str
    expires_in: int
    socket_url: str
    protocol: str
