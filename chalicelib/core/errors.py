"""The error hierarchy of the product: every expected failure is one of these.

    ReelstackError
     ├── InvalidInput            400
     │    ├── InvalidFields      400 (every bad field of a body or query at once)
     │    ├── PayloadTooLarge    413
     │    ├── URITooLong         414
     │    └── HeadersTooLarge    431
     ├── Unauthorized            401
     ├── Forbidden               403
     ├── NotFound                404
     ├── MethodNotAllowed        405
     ├── Conflict                409
     ├── Gone                    410
     ├── UnsupportedMediaType    415
     ├── TooManyRequests         429
     ├── BadGateway              502
     └── DependencyUnavailable   503

Services raise these; `chalicelib.core.http` turns them into JSON responses
`{"Code": ..., "Message": ..., **details}` in one place. A subclass may name a more
precise code (`class StreamLimitReached(Conflict): code = "StreamLimitReached"`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar


class ReelstackError(Exception):
    status: ClassVar[int] = 500
    code: ClassVar[str] = "InternalError"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_body(self) -> dict[str, Any]:
        return {"Code": self.code, "Message": self.message, **self.details}

    def headers(self) -> dict[str, str]:
        """HTTP headers the answer needs besides the body (e.g. Retry-After)."""
        return {}


class InvalidInput(ReelstackError):
    """A 400. With `field=`, the body also carries `fields: {field: message}`, the shape
    `InvalidFields` gives when several fields are wrong, so clients read one shape."""

    status = 400
    code = "InvalidInput"

    def to_body(self) -> dict[str, Any]:
        body = super().to_body()
        field = self.details.get("field")
        if isinstance(field, str) and "fields" not in body:
            body["fields"] = {field: self.message}
        return body


class InvalidFields(InvalidInput):
    """Every bad field of a request at once: `fields` maps each to its reason, and `field`
    names the first (the shape single-field errors had before, which clients read).

    The code stays "InvalidInput": clients (and the Videoflix SPA) already branch on it."""

    def __init__(self, problems: dict[str, str]) -> None:
        listed = "; ".join(f"{name} {reason.rstrip('.')}" for name, reason in problems.items())
        super().__init__(f"{listed}.", field=next(iter(problems)), fields=dict(problems))


class PayloadTooLarge(InvalidInput):
    status = 413
    code = "PayloadTooLarge"


class URITooLong(InvalidInput):
    status = 414
    code = "URITooLong"


class HeadersTooLarge(InvalidInput):
    status = 431
    code = "HeadersTooLarge"


class Unauthorized(ReelstackError):
    status = 401
    code = "Unauthorized"


class Forbidden(ReelstackError):
    status = 403
    code = "Forbidden"


class NotFound(ReelstackError):
    status = 404
    code = "NotFound"


class MethodNotAllowed(ReelstackError):
    status = 405
    code = "MethodNotAllowed"

    def __init__(self, message: str, allowed: Iterable[str], **details: Any) -> None:
        super().__init__(message, **details)
        self.allowed = sorted(set(allowed))

    def headers(self) -> dict[str, str]:
        return {"Allow": ", ".join(self.allowed)}


class Conflict(ReelstackError):
    status = 409
    code = "Conflict"


class Gone(ReelstackError):
    status = 410
    code = "Gone"


class UnsupportedMediaType(ReelstackError):
    status = 415
    code = "UnsupportedMediaType"


class TooManyRequests(ReelstackError):
    status = 429
    code = "TooManyRequests"

    def __init__(self, message: str, retry_after: int, **details: Any) -> None:
        super().__init__(message, retry_after=retry_after, **details)
        self.retry_after = max(1, retry_after)

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class BadGateway(ReelstackError):
    """A service we call (TMDb, a source URL) failed or answered nonsense."""

    status = 502
    code = "BadGateway"


class DependencyUnavailable(ReelstackError):
    """A store or service we need is down, slow or throttling us: worth a retry."""

    status = 503
    code = "DependencyUnavailable"

    def __init__(self, message: str, *, retry_after: int | None = None, **details: Any) -> None:
        if retry_after is not None:
            retry_after = max(1, retry_after)
            details["retry_after"] = retry_after
        super().__init__(message, **details)
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}
