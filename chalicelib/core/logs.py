"""Structured (one JSON object per line) logs, as CloudWatch and `make run` read them.

Every line logged while a handler runs carries the Lambda request id and the function's
name, set by `lambda_context_middleware` (registered for every event type), so one
request's lines can be found with a CloudWatch Logs Insights `filter request_id = ...`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

_RESERVED = set(vars(logging.makeLogRecord({})))
_invocation: ContextVar[dict[str, str] | None] = ContextVar("lambda_invocation", default=None)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **(_invocation.get() or {}),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _RESERVED})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(level: str) -> None:
    """JSON logs on the root logger; keeps a handler Lambda already installed."""
    root = logging.getLogger()
    root.setLevel(level)
    if not root.handlers:
        root.addHandler(logging.StreamHandler())
    for handler in root.handlers:
        handler.setFormatter(JsonFormatter())
    for noisy in ("botocore", "boto3", "urllib3", "pynamodb"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def current_function() -> str | None:
    """The function whose invocation is running here, if any (tests attribute AWS calls)."""
    return (_invocation.get() or {}).get("function")


def invocation_fields(context: Any) -> dict[str, str]:
    """What a log line says about the Lambda invocation it belongs to."""
    if context is None:
        return {}
    return {"request_id": str(getattr(context, "aws_request_id", "")),
            "function": str(getattr(context, "function_name", ""))}


def lambda_context_middleware(event: Any, get_response: Callable[[Any], Any]) -> Any:
    """Chalice middleware for every event type: an HTTP request carries its Lambda
    context as `lambda_context`, an event-source event as `context`."""
    context = getattr(event, "lambda_context", None) or getattr(event, "context", None)
    token = _invocation.set(invocation_fields(context))
    try:
        return get_response(event)
    finally:
        _invocation.reset(token)
