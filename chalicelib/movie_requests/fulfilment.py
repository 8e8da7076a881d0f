"""Telling the requesters: when a request settles, each requester gets one e-mail (and, if
the movie is ready, the movie on their list), however often the news is redelivered."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from chalicelib.auth.service import account
from chalicelib.catalog.requested import discard_requested_draft, poster_url
from chalicelib.catalog.watchlist import add_to_watchlist
from chalicelib.core import idempotency
from chalicelib.core.errors import NotFound
from chalicelib.core.personal_data import on_account_deleted
from chalicelib.core.settings import get_settings
from chalicelib.movie_requests import ledger
from chalicelib.movie_requests.models import (
    FAILED,
    OPEN_STATES,
    READY,
    REJECTED,
    SETTLED_STATES,
    RequestRecord,
)
from chalicelib.notify.service import send_now

logger = logging.getLogger(__name__)

TEMPLATES = {READY: "request_ready", FAILED: "request_failed", REJECTED: "request_rejected"}


def tell_requesters(message: dict[str, Any]) -> str:
    """The `request_settled` notification: settle the request if the pipeline says how,
    release what it holds, and tell each requester once."""
    request_id = str(message.get("request_id") or "")
    outcome, reason = message.get("outcome"), str(message.get("reason") or "")
    if outcome == READY:
        ledger.move(request_id, READY, allowed_from=OPEN_STATES, note="ready to watch")
    elif outcome == FAILED:
        reason = reason or "the video could not be converted"
        ledger.move(request_id, FAILED, allowed_from=OPEN_STATES, note=reason, reason=reason)
    try:
        request = ledger.get_request(request_id)
    except NotFound:
        return "ignored: unknown request"
    if request.state not in SETTLED_STATES:
        return f"ignored: the request is {request.state}"
    ledger.close(request)
    if request.state == FAILED and request.movie_created and request.movie_id:
        discard_requested_draft(request.movie_id, request_id)
    told = 0
    for user_id in sorted(request.requesters or ()):
        ran, _ = idempotency.run_once(f"request-mail:{request_id}:{user_id}",
                                      partial(_tell, request, user_id))
        told += ran
    return f"{request.state}: told {told} requester(s)"


def _tell(request: RequestRecord, user_id: str) -> None:
    try:
        address = account(user_id).email
    except NotFound:
        return  # the account is gone
    title = request.title or "the movie you asked for"
    data = {"title": title, "reason": request.reason or ""}
    if request.state == READY and request.movie_id:
        add_to_watchlist(user_id, request.movie_id)
        data |= {"link": watch_link(request.movie_id),
                 "poster": poster_url(request.movie_id) or ""}
    send_now(TEMPLATES[request.state or FAILED], address, data)


def watch_link(movie_id: str) -> str:
    settings = get_settings()
    if settings.frontend_url:
        return f"{settings.frontend_url}/watch/{movie_id}"
    return f"{settings.public_api_url}/api/video/{movie_id}/"


@on_account_deleted
def leave_requests(user_id: str) -> None:
    ledger.forget_requester(user_id)
