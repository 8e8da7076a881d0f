"""What the party's open connections are told, and the shapes of what members see."""

from __future__ import annotations

from typing import Any

from chalicelib.core.settings import get_settings
from chalicelib.party import store
from chalicelib.party.push import ConnectionPush, close_all, fan_out
from chalicelib.party.rules import Party, PartyEnded


def public_party(party: Party, viewer: str, now: float) -> dict[str, Any]:
    settings = get_settings()
    limits = settings.parties
    online = set(party.connections.values())
    invite_url = (f"{settings.frontend_url}/party/{party.party_id}?invite={party.invite_code}"
                  if settings.frontend_url else None)
    return {
        "party_id": party.party_id, "movie_id": party.movie_id,
        "movie_title": party.movie_title, "host_user_id": party.host_user_id,
        "control": party.control, "you": viewer, "you_control": party.may_control(viewer),
        "invite_code": party.invite_code, "invite_url": invite_url,
        "socket_url": limits.socket_url, "max_members": limits.max_members,
        "ends_at": party.ends_at, "ended": party.is_over(now, limits),
        "members": members_shape(party, online),
        "state": party.state.public(now), "server_time": now,
    }


def members_shape(party: Party, online: set[str]) -> list[dict[str, Any]]:
    return [{"user_id": m.user_id, "display_name": m.name,
             "is_host": m.user_id == party.host_user_id, "online": m.user_id in online,
             "may_control": party.may_control(m.user_id)} for m in party.members]


def members_message(party: Party, now: float) -> dict[str, Any]:
    return {"type": "members", "server_time": now, "party_id": party.party_id,
            "host_user_id": party.host_user_id, "control": party.control,
            "members": members_shape(party, set(party.connections.values()))}


def state_message(party: Party, now: float, by: str | None = None,
                  action: str | None = None) -> dict[str, Any]:
    member = party.member(by) if by else None
    return {"type": "state", "server_time": now, "party_id": party.party_id,
            "state": party.state.public(now), "action": action,
            "by": member.name if member else None}


def tell_members(push: ConnectionPush, party: Party, now: float) -> None:
    gone = fan_out(push, party.connections, members_message(party, now))
    if gone:
        store.forget_connections(party.party_id, gone, now, get_settings().parties)


def after_change(push: ConnectionPush, before: Party, after: Party, now: float) -> None:
    if after.is_over(now, get_settings().parties):
        ended = {"type": "ended", "server_time": now, "party_id": after.party_id,
                 "Code": PartyEnded.code, "Message": "This watch party has ended."}
        fan_out(push, before.connections, ended)
        close_all(push, before.connections)
        return
    tell_members(push, after, now)
    if after.state.version != before.state.version:
        fan_out(push, after.connections, state_message(after, now))


def close(push: ConnectionPush, connection_ids: list[str], kind: str, text: str,
           now: float) -> None:
    fan_out(push, connection_ids, {"type": kind, "server_time": now, "Message": text})
    close_all(push, connection_ids)
