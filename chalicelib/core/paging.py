"""Query-string paging: `limit` and `cursor` read once, the next page in a Link header."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from msgspec import Meta

from chalicelib.core.contract import Model, to_json
from chalicelib.core.errors import InvalidInput
from chalicelib.core.settings import get_settings
from chalicelib.core.validation import ascii_int

DEFAULT_LIMIT, MAX_LIMIT = 20, 100


@dataclass(frozen=True)
class PageRequest:
    limit: int
    cursor: str | None


PageLimit = Annotated[int, Meta(ge=1, le=MAX_LIMIT)]


class PageQuery(Model, frozen=True):
    """A page of a list: `limit` items after `cursor` (the next page's Link carries it)."""

    limit: PageLimit = DEFAULT_LIMIT
    cursor: str | None = None


def query_params(query: Model) -> dict[str, str]:
    """A decoded query as the parameters its next page repeats (those that are set)."""
    sent: dict[str, Any] = to_json(query)
    return {name: str(value) for name, value in sent.items() if value is not None}


def page_request(params: dict[str, str] | None) -> PageRequest:
    params = params or {}
    limit = ascii_int(params.get("limit", str(DEFAULT_LIMIT)))
    if limit is None or not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be a number from 1 to {MAX_LIMIT}.", field="limit")
    return PageRequest(limit, params.get("cursor") or None)


def next_link(
    path: str, params: dict[str, str] | None, cursor: str | None
) -> dict[str, str | list[str]]:
    """`Link: <...>; rel="next"` for the page after this one (no header on the last)."""
    if cursor is None:
        return {}
    query = {k: v for k, v in (params or {}).items() if k != "cursor"} | {"cursor": cursor}
    url = f"{get_settings().public_api_url}{path.rstrip('/')}/?{urlencode(query)}"
    return {"Link": f'<{url}>; rel="next"'}
