"""Watch parties over HTTP (a Blueprint), and the WebSocket handlers' entrypoints that
app.py registers with Chalice's `on_ws_connect`, `on_ws_message` and `on_ws_disconnect`."""

from __future__ import annotations

import time
from typing import Any

import msgspec
from chalice.app import WebsocketEvent

from chalicelib.auth.access import Access
from chalicelib.auth.accounts import DEFAULT_DISPLAY_NAME
from chalicelib.auth.principal import Principal
from chalicelib.core.http import ApiBlueprint
from chalicelib.party import service, sockets
from chalicelib.party.broadcast import public_party
from chalicelib.party.push import management_api
from chalicelib.party.rules import Party
from chalicelib.party.schemas import ControlChange, Invitation, NewParty, PartyView, SocketTicket
from chalicelib.party.service import Caller

party_routes = ApiBlueprint(__name__)


def _member(principal: Principal) -> Caller:
    name = principal.account.display_name if principal.account else DEFAULT_DISPLAY_NAME
    return Caller(principal.user_id, name)


def _shown(party: Party, user_id: str) -> PartyView:
    return msgspec.convert(public_party(party, user_id, time.time()), PartyView)


@party_routes.route("/api/parties", methods=["POST"], auth=Access.USER, body=NewParty,
                    response=PartyView, status=201)
def create_party(caller: Principal, body: NewParty) -> PartyView:
    """Start a watch party for a playable movie; the caller hosts it."""
    return _shown(service.create_party(_member(caller), body), caller.user_id)


@party_routes.route("/api/parties/{party_id}", methods=["GET"], auth=Access.USER,
                    response=PartyView)
def party_detail(party_id: str, caller: Principal) -> PartyView:
    """A party the caller is a member of."""
    return _shown(service.party_of_member(caller.user_id, party_id), caller.user_id)


@party_routes.route("/api/parties/{party_id}", methods=["PATCH"], auth=Access.USER,
                    body=ControlChange, response=PartyView)
def change_party(party_id: str, caller: Principal, body: ControlChange) -> PartyView:
    """The host says who controls playback: the host alone, or everyone."""
    party = service.set_control(caller.user_id, party_id, body.control, management_api())
    return _shown(party, caller.user_id)


@party_routes.route("/api/parties/{party_id}", methods=["DELETE"], auth=Access.USER,
                    status=204)
def end_party(party_id: str, caller: Principal) -> None:
    """The host ends the party for everyone."""
    service.end_party(caller.user_id, party_id, management_api())


@party_routes.route("/api/parties/{party_id}/members", methods=["POST"], auth=Access.USER,
                    body=Invitation, response=PartyView)
def join_party(party_id: str, caller: Principal, body: Invitation) -> PartyView:
    """Join with the invite code (joining again changes nothing)."""
    party = service.join(_member(caller), party_id, body.invite_code, management_api())
    return _shown(party, caller.user_id)


@party_routes.route("/api/parties/{party_id}/members/{user_id}", methods=["DELETE"],
                    auth=Access.USER, status=204)
def remove_member(party_id: str, user_id: str, caller: Principal) -> None:
    """`me` leaves; the host removes anyone else."""
    if user_id in ("me", caller.user_id):
        service.leave(caller.user_id, party_id, management_api())
    else:
        service.remove_member(caller.user_id, party_id, user_id, management_api())


@party_routes.route("/api/parties/{party_id}/ticket", methods=["POST"], auth=Access.USER,
                    response=SocketTicket, status=201)
def socket_ticket(party_id: str, caller: Principal) -> SocketTicket:
    """A short-lived credential to open this party's WebSocket with."""
    ticket = service.ticket(caller.user_id, party_id)
    return SocketTicket(ticket=ticket.ticket, expires_in=ticket.expires_in,
                        socket_url=ticket.socket_url, protocol=sockets.PROTOCOL)


# ---------------------------------------------------------------------- WebSocket handlers
def on_connect(event: WebsocketEvent) -> dict[str, Any]:
    return sockets.connect(sockets.SocketEvent.of(event.to_dict()))


def on_message(event: WebsocketEvent) -> None:
    sockets.message(sockets.SocketEvent.of(event.to_dict()),
                    management_api(event.domain_name, event.stage))


def on_disconnect(event: WebsocketEvent) -> None:
    sockets.disconnect(sockets.SocketEvent.of(event.to_dict()),
                       management_api(event.domain_name, event.stage))
