"""Watch-party flows over the WebSocket API: connect (authenticated), messages, and
disconnect. API Gateway calls these through Chalice's websocket handlers in the cloud;
locally devstack/ws_gateway.py calls the same handlers with the same events.

DynamoDB calls: a ping none; a hello one read; a command or a chat message one read and
one conditional write (more only when another writer got there first); a connect one
read and two writes; a disconnect two reads and two writes.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from chalicelib.auth.cookies import ACCESS_COOKIE, read_cookie
from chalicelib.auth.jwt_tokens import TokenKind, verify
from chalicelib.core.errors import Forbidden, NotFound, ReelstackError, Unauthorized
from chalicelib.core.http import dependency_outage
from chalicelib.core.settings import get_settings
from chalicelib.party import broadcast, store
from chalicelib.party.messages import (
    ChatMessage,
    CommandMessage,
    Hello,
    Ping,
    error_message,
    parse,
    party_id,
)
from chalicelib.party.push import ConnectionPush, fan_out

logger = logging.getLogger(__name__)
Clock = Callable[[], float]
# The subprotocol a client offers; a ticket travels beside it, as a second "protocol".
PROTOCOL = "reelstack-party"


@dataclass(frozen=True)
class SocketEvent:
    """The parts of an API Gateway WebSocket event the party reads."""

    connection_id: str
    headers: Mapping[str, str]  # names in lower case
    query: Mapping[str, str]
    body: str | None = None

    @classmethod
    def of(cls, event: Mapping[str, Any]) -> SocketEvent:
        context = event.get("requestContext") or {}
        headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
        query = {str(k): str(v) for k, v in (event.get("queryStringParameters") or {}).items()}
        return cls(str(context.get("connectionId", "")), headers, query, event.get("body"))


# ---------------------------------------------------------------------- connect
def connect(event: SocketEvent, clock: Clock = time.time) -> dict[str, Any]:
    """API Gateway's answer to the handshake: 200 (naming our subprotocol when the client
    offered it), or the error's status, which refuses the connection."""
    try:
        party = party_id(event.query.get("party_id"))
        user_id, offered = _authenticate(event.headers, party)
        _register(event.connection_id, party, user_id, clock)
    except Exception as error:  # every refusal is an answer, never a crash of the handler
        refusal = _as_refusal(error, "connect")
        return {"statusCode": refusal.status, "headers": {"Content-Type": "application/json"},
                "body": json.dumps(refusal.to_body())}
    return {"statusCode": 200, "headers": {"Sec-WebSocket-Protocol": PROTOCOL} if offered else {}}


def _authenticate(headers: Mapping[str, str], party: str) -> tuple[str, bool]:
    """(user id, whether the client offered our subprotocol): a ticket for this party, or
    the access cookie from an allowed origin (a page elsewhere must not reuse it)."""
    settings = get_settings()
    offered = [p.strip() for p in headers.get("sec-websocket-protocol", "").split(",")
               if p.strip()]
    tickets = [p for p in offered if p != PROTOCOL]
    if tickets:
        claims = verify(settings, tickets[0], TokenKind.PARTY_TICKET)
        if claims.extra.get("party") != party:
            raise Unauthorized("This ticket is for another watch party.", reason="token_invalid")
        return claims.subject, PROTOCOL in offered
    cookie = read_cookie(headers.get("cookie"), ACCESS_COOKIE)
    if cookie is None:
        raise Unauthorized("Connect with a ticket from POST /api/parties/{id}/ticket/ (as a "
                           "subprotocol) or the access cookie.", reason="token_missing")
    origin = headers.get("origin")
    if origin is not None and origin.rstrip("/") not in settings.cors_origins:
        raise Forbidden("Connections with the cookie come from the app's own pages only.")
    return verify(settings, cookie, TokenKind.ACCESS).subject, PROTOCOL in offered


def _register(connection_id: str, party: str, user_id: str, clock: Clock) -> None:
    # The connection's item first: a $disconnect that follows at once must find it.
    limits = get_settings().parties
    store.save_connection(connection_id, party, user_id, clock())
    try:
        store.change(party, lambda p: p.connect(user_id, connection_id, clock(), limits), limits)
    except Exception:
        store.delete_connection(connection_id)
        raise


# ---------------------------------------------------------------------- messages
def message(event: SocketEvent, push: ConnectionPush, clock: Clock = time.time) -> None:
    """Handle one frame; whatever is wrong with it is answered to its sender alone."""
    connection_id = event.connection_id
    try:
        parsed = parse(event.body, get_settings().parties.chat_max_chars)
        if isinstance(parsed, Ping):
            push.send(connection_id, {"type": "pong", "t": parsed.client_time,
                                      "server_time": clock()})
        elif isinstance(parsed, Hello):
            _hello(connection_id, parsed, push, clock)
        elif isinstance(parsed, CommandMessage):
            _command(connection_id, parsed, push, clock)
        else:
            _chat(connection_id, parsed, push, clock)
    except Exception as error:
        push.send(connection_id, error_message(_as_refusal(error, "message"), clock()))


def _hello(connection_id: str, hello: Hello, push: ConnectionPush, clock: Clock) -> None:
    now, limits = clock(), get_settings().parties
    party = store.load(hello.party_id).open(now, limits)
    user_id = party.sender(connection_id)
    push.send(connection_id, {**broadcast.public_party(party, user_id, now), "type": "welcome"})
    others = [c for c in party.connections if c != connection_id]
    gone = fan_out(push, others, broadcast.members_message(party, now))
    if gone:
        store.forget_connections(party.party_id, gone, now, limits)


def _command(connection_id: str, sent: CommandMessage, push: ConnectionPush,
             clock: Clock) -> None:
    limits = get_settings().parties
    before, after = store.change(sent.party_id, lambda p: p.command(
        connection_id, sent.command, clock(), limits), limits)
    now = clock()
    state = broadcast.state_message(after, now, by=after.sender(connection_id),
                                    action=sent.command.action.value)
    if after.state.version == before.state.version:  # nothing moved: the sender's answer
        push.send(connection_id, state)
        return
    gone = fan_out(push, after.connections, state)
    if gone:
        store.forget_connections(after.party_id, gone, now, limits)


def _chat(connection_id: str, sent: ChatMessage, push: ConnectionPush, clock: Clock) -> None:
    limits = get_settings().parties
    _, after = store.change(sent.party_id, lambda p: p.chat(connection_id, clock(), limits),
                            limits)
    now, user_id = clock(), after.sender(connection_id)
    member = after.member(user_id)
    # Text only: clients render it as text (never HTML); the server keeps no copy.
    line = {"type": "chat", "id": uuid.uuid4().hex, "server_time": now,
            "party_id": after.party_id, "user_id": user_id,
            "display_name": member.name if member else "", "text": sent.text}
    gone = fan_out(push, after.connections, line)
    if gone:
        store.forget_connections(after.party_id, gone, now, limits)


# ---------------------------------------------------------------------- disconnect
def disconnect(event: SocketEvent, push: ConnectionPush, clock: Clock = time.time) -> None:
    """The connection is gone: its party forgets it (and stops waiting for it)."""
    connection_id = event.connection_id
    party = store.connection_party(connection_id)
    if party is not None:
        try:
            before, after = store.change(party, lambda p: p.disconnect(connection_id, clock()),
                                         get_settings().parties)
        except NotFound:
            pass  # the party expired and is gone
        else:
            if after != before:
                broadcast.after_change(push, before, after, clock())
    store.delete_connection(connection_id)


def _as_refusal(error: Exception, where: str) -> ReelstackError:
    if isinstance(error, ReelstackError):
        return error
    outage = dependency_outage(error)
    if outage is not None:
        return outage
    logger.exception("unhandled error in the party's %s handler", where)
    return ReelstackError("An internal error occurred.")
