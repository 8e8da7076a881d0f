"""One hook for account deletion: each context erases what it holds about a user.

Contexts register an eraser when their module is imported (`@on_account_deleted`);
the auth context calls `erase_personal_data` after removing the account itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)

Eraser = Callable[[str], None]
_erasers: list[Eraser] = []


def on_account_deleted(eraser: Eraser) -> Eraser:
    if eraser not in _erasers:
        _erasers.append(eraser)
    return eraser


def erase_personal_data(user_id: str) -> None:
    for eraser in _erasers:
        eraser(user_id)
        logger.info("personal data erased", extra={"eraser": eraser.__qualname__})
