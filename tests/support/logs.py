"""What a logger wrote, as the JSON objects of its lines."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

LoggedLines = Callable[[], list[dict[str, Any]]]


@contextmanager
def json_lines(logger_name: str, formatter: logging.Formatter) -> Iterator[LoggedLines]:
    """Lines the logger (and its children) write at INFO and above while the block runs."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    logger = logging.getLogger(logger_name)
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
