"""HTTP edge helpers: request bodies in, domain errors out, in one place.

Chalice turns an exception raised in a view into its own response before any
middleware sees it, so routes are registered through `ApiBlueprint`, whose `route`
wraps each view with `answer_errors`.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from typing import Any

from chalice.app import Blueprint, ChaliceViewError, Request, Response

from chalicelib.core.cors import answer_preflight
from chalicelib.core.errors import InvalidInput, PayloadTooLarge, ReelstackError
from chalicelib.core.settings import get_settings

logger = logging.getLogger(__name__)

View = Callable[..., Any]
JSON_HEADERS = {"Content-Type": "application/json"}


def error_response(error: ReelstackError) -> Response:
    return Response(
        body=error.to_body(), status_code=error.status, headers={**JSON_HEADERS, **error.headers()}
    )


def answer_errors(view: View) -> View:
    """Map domain errors to their HTTP answer; anything unexpected is a logged 500."""

    @functools.wraps(view)
    def answered(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except ReelstackError as error:
            if error.status >= 500:
                logger.warning("%s: %s", error.code, error.message)
            return error_response(error)
        except ChaliceViewError:
            raise
        except Exception:
            logger.exception("unhandled error in %s", view.__name__)
            return error_response(ReelstackError("An internal error occurred."))

    return answered


class ApiBlueprint(Blueprint):
    """A Blueprint whose routes answer domain errors as JSON and CORS preflights."""

    def __init__(self, import_name: str) -> None:
        super().__init__(import_name)
        self._preflighted: set[str] = set()

    def route(self, path: str, **kwargs: Any) -> Callable[[View], View]:
        register = super().route(path, **kwargs)
        self._answer_preflights(path)

        def decorator(view: View) -> View:
            register(answer_errors(view))
            return view

        return decorator

    def _answer_preflights(self, path: str) -> None:
        if path in self._preflighted:
            return
        self._preflighted.add(path)

        def preflight(**_path_parameters: str) -> Response:
            return answer_preflight(self.current_request)

        preflight.__name__ = "preflight" + "".join(c if c.isalnum() else "_" for c in path)
        super().route(path, methods=["OPTIONS"])(preflight)


def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object, or a clear 4xx: too large, not JSON, not an object."""
    limit = get_settings().max_body_bytes
    declared = request.headers.get("content-length")
    raw_body = request.raw_body or b""
    raw = raw_body.encode() if isinstance(raw_body, str) else raw_body
    if (declared and declared.isdigit() and int(declared) > limit) or len(raw) > limit:
        raise PayloadTooLarge(f"The request body is larger than {limit} bytes.", limit=limit)
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidInput(f"The request body is not valid JSON: {error}.") from None
    if not isinstance(body, dict):
        raise InvalidInput("The request body must be a JSON object.")
    return body
