"""Opaque, tamper-proof pagination cursors.

A cursor is the position to resume from plus the query it belongs to, signed with
HMAC-SHA256. A forged cursor, or one from another query (other filters, other order),
is refused with 400.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from functools import lru_cache
from typing import Any

from chalicelib.core.errors import InvalidInput
from chalicelib.core.settings import Settings, get_settings

_PROCESS_SECRET = secrets.token_bytes(32)


@lru_cache(maxsize=4)
def _secret(settings: Settings) -> bytes:
    if settings.cursor_secret:
        return settings.cursor_secret.encode()
    if settings.jwt_private_key:
        # Every process of a deployment shares the JWT key, so cursors survive a cold start.
        return hashlib.sha256(b"reelstack-cursor\0" + settings.jwt_private_key.encode()).digest()
    return _PROCESS_SECRET


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode_cursor(query: str, position: dict[str, Any]) -> str:
    payload = json.dumps({"q": query, "p": position}, separators=(",", ":")).encode()
    signature = hmac.new(_secret(get_settings()), payload, hashlib.sha256).digest()[:16]
    return f"{_b64(payload)}.{_b64(signature)}"


def decode_cursor(query: str, cursor: str) -> dict[str, Any]:
    """The position a cursor made by `encode_cursor(query, ...)` holds; else InvalidInput."""
    try:
        payload_text, signature_text = cursor.split(".")
        payload, signature = _unb64(payload_text), _unb64(signature_text)
    except ValueError:
        raise InvalidInput("The cursor is not valid.", field="cursor") from None
    expected = hmac.new(_secret(get_settings()), payload, hashlib.sha256).digest()[:16]
    if not hmac.compare_digest(signature, expected):
        raise InvalidInput("The cursor is not valid.", field="cursor")
    content = json.loads(payload)
    if content.get("q") != query or not isinstance(content.get("p"), dict):
        raise InvalidInput("The cursor belongs to another query.", field="cursor")
    return dict(content["p"])


def start_key(query: str, cursor: str | None) -> dict[str, Any] | None:
    """The DynamoDB ExclusiveStartKey a cursor holds (string keys only), or None."""
    if not cursor:
        return None
    position = decode_cursor(query, cursor)
    if not all(isinstance(value, str) for value in position.values()):
        raise InvalidInput("The cursor is not valid.", field="cursor")
    return {name: {"S": value} for name, value in position.items()}


def cursor_after(query: str, last_key: dict[str, Any] | None) -> str | None:
    """A cursor resuming after a DynamoDB LastEvaluatedKey (None: nothing more)."""
    if not last_key:
        return None
    return encode_cursor(query, {name: value["S"] for name, value in last_key.items()})
