"""What a party's WebSocket carries: client messages parsed into frozen values at the
edge (anything else is one `InvalidMessage` answer), and the server's messages.

Client -> server, one JSON object per frame, `action` first:
    {"action": "ping", "t": <client clock, ms>}                 clock offset estimation
    {"action": "hello", "party_id": ...}                        who is here, the state now
    {"action": "play"|"pause"|"buffering"|"ready", "party_id": ...}
    {"action": "seek", "party_id": ..., "position": <seconds>}
    {"action": "chat", "party_id": ..., "text": "..."}
Server -> client: `{"type": "pong"|"welcome"|"state"|"members"|"chat"|"ended"|"removed"|
"error", ...}`, each with `server_time` (epoch seconds).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

from chalicelib.core.errors import InvalidInput, ReelstackError
from chalicelib.core.http import nests_deeper
from chalicelib.core.validation import has_control_characters, has_hidden_characters
from chalicelib.party.sync import Action, Command

MAX_FRAME_BYTES = 4096
MAX_POSITION_SECONDS = 7 * 86400
PARTY_ID = re.compile(r"^[0-9a-f]{32}$")


class InvalidMessage(InvalidInput):
    code = "InvalidMessage"


@dataclass(frozen=True)
class Ping:
    client_time: float


@dataclass(frozen=True)
class Hello:
    party_id: str


@dataclass(frozen=True)
class CommandMessage:
    party_id: str
    command: Command


@dataclass(frozen=True)
class ChatMessage:
    party_id: str
    text: str


ClientMessage = Ping | Hello | CommandMessage | ChatMessage


def parse(body: str | bytes | None, chat_max_chars: int) -> ClientMessage:
    raw = body.encode() if isinstance(body, str) else (body or b"")
    if len(raw) > MAX_FRAME_BYTES:
        raise InvalidMessage(f"A message may hold at most {MAX_FRAME_BYTES} bytes.")
    try:
        message = json.loads(raw, parse_constant=_no_constant)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise InvalidMessage("A message must be a JSON object.") from None
    if not isinstance(message, dict) or nests_deeper(message, 1):
        raise InvalidMessage("A message must be a flat JSON object.")
    action = message.get("action")
    if action == "ping":
        return Ping(_number(message, "t", 0, math.inf))
    if action == "hello":
        return Hello(party_id(message.get("party_id")))
    if action == "chat":
        return ChatMessage(party_id(message.get("party_id")), _chat(message, chat_max_chars))
    known = {a.value: a for a in Action}
    if action not in known:
        raise InvalidMessage(f"action must be one of ping, hello, chat, {', '.join(known)}.",
                             field="action")
    command = Command(known[str(action)], _number(message, "position", 0,
                                                   MAX_POSITION_SECONDS)
                      if action == Action.SEEK.value else None)
    return CommandMessage(party_id(message.get("party_id")), command)


def party_id(value: object) -> str:
    if not isinstance(value, str) or not PARTY_ID.match(value):
        raise InvalidMessage("party_id must be a watch party's id.", field="party_id")
    return value


def _number(message: dict[str, Any], field: str, low: float, high: float) -> float:
    value = message.get(field)
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not math.isfinite(value) or not low <= value <= high:
        raise InvalidMessage(f"{field} must be a number from {low:g} to {high:g}.", field=field)
    return float(value)


def _chat(message: dict[str, Any], max_chars: int) -> str:
    text = message.get("text")
    if not isinstance(text, str) or not text.strip():
        raise InvalidMessage("text must be a non-empty string.", field="text")
    text = text.strip()
    if len(text) > max_chars:
        raise InvalidMessage(f"A chat message has at most {max_chars} characters.",
                             field="text", max_chars=max_chars)
    if has_control_characters(text) or has_hidden_characters(text):
        raise InvalidMessage("A chat message must not hold control characters.", field="text")
    return text


def _no_constant(name: str) -> float:
    raise InvalidMessage(f"{name} is not a JSON number.")


# ---------------------------------------------------------------------- server -> client
def error_message(error: ReelstackError, now: float) -> dict[str, Any]:
    return {"type": "error", "server_time": now, **error.to_body()}
