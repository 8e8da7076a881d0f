"""CORS for browser clients with cookies: an allow-list of exact origins, credentials on.

Chalice's own CORSConfig allows a single origin, so Reelstack answers preflights itself
(every ApiBlueprint path gets an OPTIONS view) and an HTTP middleware adds the headers
to every response whose request came from an allowed origin.
"""

from __future__ import annotations

from collections.abc import Callable

from chalice.app import Request, Response

from chalicelib.core.settings import get_settings

ALLOWED_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
ALLOWED_HEADERS = "Content-Type, Authorization"
PREFLIGHT_MAX_AGE = "600"
# What a page may read beyond the CORS-safelisted headers: the next page of a list and
# how long to wait after a 429.
EXPOSED_HEADERS = "Link, Retry-After"


def allowed_origin(request: Request) -> str | None:
    origin = (request.headers.get("origin") or "").rstrip("/")
    return origin if origin and origin in get_settings().cors_origins else None


def cors_headers(origin: str, preflight: bool) -> dict[str, str]:
    headers = {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Credentials": "true",
        "Access-Control-Expose-Headers": EXPOSED_HEADERS,
        "Vary": "Origin",
    }
    if preflight:
        headers |= {
            "Access-Control-Allow-Methods": ALLOWED_METHODS,
            "Access-Control-Allow-Headers": ALLOWED_HEADERS,
            "Access-Control-Max-Age": PREFLIGHT_MAX_AGE,
        }
    return headers


def answer_preflight(request: Request) -> Response:
    if allowed_origin(request) is None:
        return Response(
            body={"Code": "Forbidden", "Message": "This origin may not call the API."},
            status_code=403,
        )
    return Response(body="", status_code=204)


def cors_middleware(request: Request, get_response: Callable[[Request], Response]) -> Response:
    response = get_response(request)
    origin = allowed_origin(request)
    if origin is not None:
        response.headers.update(cors_headers(origin, preflight=request.method == "OPTIONS"))
    return response
