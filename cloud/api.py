"""API Gateway's own answers (a route that does not exist, throttling, a body too large,
a Lambda that failed) in the API's error shape, `{"Code": ..., "Message": ...}`, with the
CORS headers a browser needs to read them."""

from __future__ import annotations

import json

from cloud.intrinsics import Json

# Response type -> the API's error code for it.
CODES = {
    "DEFAULT_4XX": "InvalidInput",
    "DEFAULT_5XX": "DependencyUnavailable",
    "THROTTLED": "TooManyRequests",
    "QUOTA_EXCEEDED": "TooManyRequests",
    "REQUEST_TOO_LARGE": "PayloadTooLarge",
    "UNSUPPORTED_MEDIA_TYPE": "UnsupportedMediaType",
    "INTEGRATION_TIMEOUT": "DependencyUnavailable",
}
# The error bodies hold no data, so any page may read them; the allow-list of origins
# applies to the API's own responses (chalicelib/core/cors.py).
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "method.request.header.origin",
    "Access-Control-Allow-Credentials": "'true'",
    "Vary": "'Origin'",
}


def _response(code: str, message: str, status: str | None = None) -> Json:
    body = f'{{"Code": "{code}", "Message": {message}}}'
    response: Json = {"ResponseParameters": {"Headers": CORS_HEADERS},
                      "ResponseTemplates": {"application/json": body}}
    if status:
        response["StatusCode"] = status
    return response


def gateway_responses() -> Json:
    # Chalice's routes carry no API Gateway authorization, so "missing authentication
    # token" only ever means that no route matches the path and method.
    responses = {"MISSING_AUTHENTICATION_TOKEN": _response(
        "NotFound", json.dumps("No such route."), status="404")}
    # messageString is API Gateway's own message, already a quoted JSON string.
    responses |= {kind: _response(code, "$context.error.messageString")
                  for kind, code in CODES.items()}
    return responses
