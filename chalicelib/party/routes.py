"""Watch parties over HTTP (a Blueprint), and the WebSocket handlers' entrypoints that
app.py registers with Chalice's `on_ws_connect`, `on_ws_message` and `on_ws_disconnect`."""

from __future__ import annotations

import time
from typing import Any

from chalice.app import Response, WebsocketEvent

from chalicelib.auth.accounts import DEFAULT_DISPLAY_NAME
from chalicelib.auth.principal import authenticate
from chalicelib.core.http import ApiBlueprint, json_body
from chalicelib.party import service, sockets
from chalicelib.party.broadcast import public_party
from chalicelib.party.push import management_api
from chalicelib.party.rules import Party
from chalicelib.party.service import Caller

party_routes = ApiBlueprint(__name__)


def _caller() -> Caller:
    principal = authenticate(party_routes.current_request)
    name = principal.account.display_name if principal.account else DEFAULT_DISPLAY_NAME
    return Caller(principal.user_id, name)


def _body() -> dict[str, Any]:
    return json_body(party_routes.current_request)


def _shown(party: Party, user_id: str) -> dict[str, Any]:
    return public_party(party, user_id, time.time())


@party_routes.route("/api/parties", methods=["POST"])
def create_party() -> Response:
    caller = _caller()
    party = service.create_party(caller, _body())
    return Response(status_code=201, body=_shown(party, caller.user_id))


@party_routes.route("/api/parties/{party_id}", methods=["GET"])
def party_detail(party_id: str) -> dict[str, Any]:
    caller = _caller()
    return _shown(service.party_of_member(caller.user_id, party_id), caller.user_id)


@party_routes.route("/api/parties/{party_id}", methods=["PATCH"])
def change_party(party_id: str) -> dict[str, Any]:
    caller = _caller()
    party = service.set_control(caller.user_id, party_id, _body(), management_api())
    return _shown(party, caller.user_id)


@party_routes.route("/api/parties/{party_id}", methods=["DELETE"])
def end_party(party_id: str) -> Response:
    service.end_party(_caller().user_id, party_id, management_api())
    return Response(status_code=204, body="")


@party_routes.route("/api/parties/{party_id}/members", methods=["POST"])
def join_party(party_id: str) -> dict[str, Any]:
    caller = _caller()
    party = service.join(caller, party_id, _body(), management_api())
    return _shown(party, caller.user_id)


@party_routes.route("/api/parties/{party_id}/members/{user_id}", methods=["DELETE"])
def remove_member(party_id: str, user_id: str) -> Response:
    """`me` leaves; the host removes anyone else."""
    caller = _caller()
    if user_id in ("me", caller.user_id):
        service.leave(caller.user_id, party_id, management_api())
    else:
        service.remove_member(caller.user_id, party_id, user_id, management_api())
    return Response(status_code=204, body="")


@party_routes.route("/api/parties/{party_id}/ticket", methods=["POST"])
def socket_ticket(party_id: str) -> Response:
    ticket = service.ticket(_caller().user_id, party_id)
    return Response(status_code=201, body={
        "ticket": ticket.ticket, "expires_in": ticket.expires_in,
        "socket_url": ticket.socket_url, "protocol": sockets.PROTOCOL})


# ---------------------------------------------------------------------- WebSocket handlers
def on_connect(event: WebsocketEvent) -> dict[str, Any]:
    return sockets.connect(sockets.SocketEvent.of(event.to_dict()))


def on_message(event: WebsocketEvent) -> None:
    sockets.message(sockets.SocketEvent.of(event.to_dict()),
                    management_api(event.domain_name, event.stage))


def on_disconnect(event: WebsocketEvent) -> None:
    sockets.disconnect(sockets.SocketEvent.of(event.to_dict()),
                       management_api(event.domain_name, event.stage))
