"""HTTP edge helpers: request bodies in, domain errors (and AWS outages, as 503s) out, in
one place.

Chalice turns an exception raised in a view into its own response before any
middleware sees it, so routes are registered through `ApiBlueprint`, whose `route`
wraps each view with `answer_errors`. A route also declares its contract there (who may
call it, its body, query and response models: docs/contract.md); the wrapper admits the
caller, decodes the input and hands both to the view as typed arguments, and the same
declaration is what the OpenAPI document (openapi.py) is made from.
"""

from __future__ import annotations

import functools
import json
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn, TypeVar

import botocore.exceptions
from chalice.app import Blueprint, ChaliceViewError, Request, Response
from pynamodb.exceptions import TransactWriteError

from chalicelib.auth.access import Access, caller_of
from chalicelib.core.contract import Model, decode, to_json
from chalicelib.core.cors import answer_preflight
from chalicelib.core.errors import (
    DependencyUnavailable,
    InvalidInput,
    PayloadTooLarge,
    ReelstackError,
)
from chalicelib.core.settings import get_settings
from chalicelib.core.validation import ascii_int

logger = logging.getLogger(__name__)

View = Callable[..., Any]
V = TypeVar("V", bound=View)
JSON_HEADERS = {"Content-Type": "application/json"}

# No request body of this API nests deeper than a few levels. json.loads recurses once per
# level (a 2 kB body of brackets exhausts Python's stack), and so would anything that walks
# a deep body after it.
MAX_JSON_DEPTH = 32

# Worth a retry: the store timed out, dropped the connection or throttled us.
RETRY_AFTER_SECONDS = 2
_UNREACHABLE = (botocore.exceptions.ConnectionError, botocore.exceptions.HTTPClientError)
_THROTTLING_CODES = frozenset({
    "ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded",
    "Throttling", "RequestThrottled", "SlowDown", "ServiceUnavailable",
})
_THROTTLED_CANCELLATIONS = frozenset({"ThrottlingError", "ProvisionedThroughputExceeded"})


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
        except Exception as error:
            outage = dependency_outage(error)
            if outage is not None:
                logger.warning("%s in %s: %s", outage.code, view.__name__, outage.message)
                return error_response(outage)
            logger.exception("unhandled error in %s", view.__name__)
            return error_response(ReelstackError("An internal error occurred."))

    return answered


def dependency_outage(error: BaseException) -> DependencyUnavailable | None:
    """A 503 for an AWS call that timed out, could not connect or was throttled, whether
    botocore raised it or PynamoDB wrapped it (its `cause`); None for anything else."""
    seen: BaseException | None = error
    for _ in range(4):  # PynamoDB wraps once; a bound keeps a cycle of causes finite
        if seen is None:
            return None
        if isinstance(seen, _UNREACHABLE):
            return _outage(type(seen).__name__)
        code = _error_code(seen)
        if code in _THROTTLING_CODES or _throttled_transaction(seen):
            return _outage(code or "Throttled")
        seen = getattr(seen, "cause", None) or seen.__cause__
    return None


def _outage(reason: str) -> DependencyUnavailable:
    return DependencyUnavailable(f"A backing service is unavailable ({reason}); retry shortly.",
                                 retry_after=RETRY_AFTER_SECONDS)


def _error_code(error: BaseException) -> str | None:
    # Not PynamoDB's cause_response_code: it fails on a cause whose `response` is None
    # (a ReadTimeoutError's); the loop above reaches the ClientError inside instead.
    if isinstance(error, botocore.exceptions.ClientError):
        return str(error.response.get("Error", {}).get("Code") or "") or None
    return None


def _throttled_transaction(error: BaseException) -> bool:
    reasons = error.cancellation_reasons if isinstance(error, TransactWriteError) else []
    return any(reason is not None and reason.code in _THROTTLED_CANCELLATIONS
               for reason in reasons)


@dataclass(frozen=True)
class Operation:
    """What a route declares: who may call it and the shapes it reads and answers.
    `auth` None is a route nobody declared (the route-table test refuses it)."""

    path: str
    method: str
    name: str
    auth: Access | None
    body: type[Model] | None = None
    query: type[Model] | None = None
    response: Any = None  # a Model, list[Model], or None for an empty answer
    status: int = 200
    summary: str = ""
    documented: bool = True  # CORS preflights answer every path and are not listed


def operation_of(view_function: Callable[..., Any], method: str) -> Operation | None:
    """The declaration behind a function in Chalice's route table (`app.routes`)."""
    found = getattr(view_function, "operations", {}).get(method)
    return found if isinstance(found, Operation) else None


class ApiBlueprint(Blueprint):
    """A Blueprint whose routes declare their contract and answer domain errors as JSON
    and CORS preflights."""

    def __init__(self, import_name: str) -> None:
        super().__init__(import_name)
        self._preflighted: set[str] = set()

    def route(self, path: str, *, auth: Access | None = None, body: type[Model] | None = None,
              query: type[Model] | None = None, response: Any = None, status: int = 200,
              **kwargs: Any) -> Callable[[V], V]:
        """Register `view` for `path`. With `auth` other than PUBLIC the view gets the
        admitted `caller`; with `body` / `query` models, the decoded `body` / `query`; a
        Model it returns is answered as JSON with `status`, a chalice Response as is."""
        methods = kwargs.get("methods") or ["GET"]
        register = super().route(path, **kwargs)
        self._answer_preflights(path)

        def decorator(view: V) -> V:
            operations = {method.upper(): Operation(
                path, method.upper(), view.__name__, auth, body, query, response, status,
                _summary(view)) for method in methods}

            @functools.wraps(view)
            def contracted(**path_parameters: str) -> Any:
                request = self.current_request
                arguments: dict[str, Any] = dict(path_parameters)
                if auth is not None and not auth.public:
                    arguments["caller"] = caller_of(auth, request)
                if body is not None:
                    arguments["body"] = decode(body, json_body(request))
                if query is not None:
                    arguments["query"] = decode(query, dict(request.query_params or {}),
                                                from_query=True)
                return _answer(view(**arguments), status)

            answered = answer_errors(contracted)
            answered.operations = operations  # type: ignore[attr-defined]
            register(answered)
            return view

        return decorator

    def _answer_preflights(self, path: str) -> None:
        if path in self._preflighted:
            return
        self._preflighted.add(path)

        def preflight(**_path_parameters: str) -> Response:
            return answer_preflight(self.current_request)

        preflight.__name__ = "preflight" + "".join(c if c.isalnum() else "_" for c in path)
        preflight.operations = {"OPTIONS": Operation(  # type: ignore[attr-defined]
            path, "OPTIONS", preflight.__name__, Access.PUBLIC, documented=False)}
        super().route(path, methods=["OPTIONS"])(preflight)


def _summary(view: View) -> str:
    return (view.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")


def _answer(result: Any, status: int) -> Any:
    if isinstance(result, Response):
        return result
    if status == 204:
        return Response(body="", status_code=204)
    body = to_json(result)
    return body if status == 200 else Response(body=body, status_code=status)


def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object, or a clear 4xx: too large, too deep, not JSON (NaN and
    Infinity are not), not an object."""
    limit = get_settings().max_body_bytes
    declared = ascii_int(request.headers.get("content-length") or "")
    raw_body = request.raw_body or b""
    raw = raw_body.encode() if isinstance(raw_body, str) else raw_body
    if (declared is not None and declared > limit) or len(raw) > limit:
        raise PayloadTooLarge(f"The request body is larger than {limit} bytes.", limit=limit)
    if not raw.strip():
        return {}
    too_deep = InvalidInput(f"The request body nests deeper than {MAX_JSON_DEPTH} levels.")
    try:
        body = json.loads(raw, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError:
        raise too_deep from None
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidInput(f"The request body is not valid JSON: {error}.") from None
    if not isinstance(body, dict):
        raise InvalidInput("The request body must be a JSON object.")
    if nests_deeper(body, MAX_JSON_DEPTH):
        raise too_deep
    return body


def nests_deeper(value: object, levels: int) -> bool:
    """Whether arrays and objects nest more than `levels` deep: walked a level at a time,
    without recursion, and no further than `levels`."""
    containers = (dict, list)
    level: list[Any] = [value] if isinstance(value, containers) else []
    for _ in range(levels):
        level = [child for container in level
                 for child in (container.values() if isinstance(container, dict) else container)
                 if isinstance(child, containers)]
        if not level:
            return False
    return bool(level)


def _refuse_constant(name: str) -> NoReturn:
    raise InvalidInput(f"The request body holds {name}, which is not a JSON number.")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise InvalidInput(f"The request body holds a number too large to use: {text[:40]}.")
    return value
