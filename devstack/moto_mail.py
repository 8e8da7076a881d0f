"""`GET /_reelstack/mail`: the mail moto's SES "sent", read straight from its backend.

moto's own way to read it, `/moto-api/data.json`, serializes every object the emulator
ever made: its size and time grow with everything the stack stored, not with the mail.
This route walks only SES's list of sent messages, takes no DynamoDB lock, and so
answers in time proportional to the mail however long the stack has run.

Query: `to` (only messages to this address), `after` (skip the first N messages of the
emulator's list; `next` in the answer is where the next read should start).
Answer: `{"mail": [{"destinations", "source", "subject", "body", "raw"}], "next": N}`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from email.utils import parseaddr
from typing import Any
from urllib.parse import parse_qs

from moto.moto_server.werkzeug_app import DomainDispatcherApplication
from moto.ses.models import Message, RawMessage, TemplateMessage, ses_backends

from devstack.mailbox import MAIL_PATH


def _all_sent() -> list[Any]:
    # Copies of moto's dicts and lists: another request may add a backend or a message.
    messages: list[Any] = []
    for account_id in sorted(list(ses_backends)):
        regions = ses_backends[account_id]
        for region in sorted(list(regions)):
            messages.extend(list(regions[region].sent_messages))
    return messages


def _destinations(message: Any) -> list[str]:
    if isinstance(message, RawMessage):
        return list(message.destinations or [])
    given = message.destinations or {}
    return [address for field in ("ToAddresses", "CcAddresses", "BccAddresses")
            for address in given.get(field, [])]


def _addressed_to(message: Any, to: str) -> bool:
    # moto adds the To header's addresses, possibly with a display name, to Destinations.
    return any(parseaddr(address)[1].lower() == to.lower()
               for address in _destinations(message))


def _as_json(message: Any) -> dict[str, Any]:
    return {
        "destinations": _destinations(message),
        "source": message.source,
        "subject": message.subject if isinstance(message, Message) else "",
        "body": message.body if isinstance(message, Message) else "",
        "raw": message.raw_data if isinstance(message, RawMessage) else "",
    }


def sent_mail(to: str | None, after: int) -> dict[str, Any]:
    """The answer of the route: mail after position `after`, to `to` when given."""
    messages = _all_sent()
    wanted = [message for message in messages[after:]
              if isinstance(message, (Message, RawMessage, TemplateMessage))
              and (to is None or _addressed_to(message, to))]
    return {"mail": [_as_json(message) for message in wanted], "next": len(messages)}


def _answer(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
    query = parse_qs(environ.get("QUERY_STRING", ""))
    after = query.get("after", ["0"])[0]
    if environ.get("REQUEST_METHOD") != "GET" or not after.isascii() or not after.isdigit():
        body = json.dumps({"Code": "BadRequest", "Message": "GET with an optional to= and a "
                                                            "whole number after="})
        start_response("400 Bad Request", [("Content-Type", "application/json")])
        yield body.encode()
        return
    body = json.dumps(sent_mail(query.get("to", [None])[0], int(after)))
    start_response("200 OK", [("Content-Type", "application/json")])
    yield body.encode()


class MailRouteDispatcher(DomainDispatcherApplication):
    """moto's WSGI application, answering MAIL_PATH itself and everything else as before."""

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO") == MAIL_PATH:
            return _answer(environ, start_response)
        return super().__call__(environ, start_response)
