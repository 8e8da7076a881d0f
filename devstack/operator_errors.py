"""One line, no traceback, when an operator command (`make admin`, `make mail`,
`make upload`) finds no stack to talk to."""

from __future__ import annotations

import botocore.exceptions
import requests
from pynamodb.exceptions import TableDoesNotExist

from chalicelib.core.http import dependency_outage

_MISSING = frozenset({"ResourceNotFoundException", "NoSuchBucket",
                      "AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"})


def no_stack(error: BaseException, endpoint: str) -> str | None:
    """What to tell the operator when `error` means the stack is not running or not
    deployed at `endpoint`; None for any other error (which should surface as it is)."""
    if isinstance(error, requests.ConnectionError) or dependency_outage(error) is not None:
        return f"nothing answers at {endpoint}: start the stack with `make run` first"
    if _missing_resource(error):
        return f"the stack is not deployed on {endpoint}: `make run` deploys it"
    return None


def _missing_resource(error: BaseException) -> bool:
    seen: BaseException | None = error
    for _ in range(4):  # PynamoDB wraps the botocore error once
        if seen is None:
            return False
        if isinstance(seen, TableDoesNotExist):
            return True
        if isinstance(seen, botocore.exceptions.ClientError) \
                and seen.response.get("Error", {}).get("Code") in _MISSING:
            return True
        seen = getattr(seen, "cause", None) or seen.__cause__
    return False
