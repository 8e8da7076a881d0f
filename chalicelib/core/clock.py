"""The one timestamp format stored in every table: UTC ISO 8601 with milliseconds, which
sorts as text in the same order as in time (range keys and GSIs rely on that)."""

from __future__ import annotations

from datetime import UTC, datetime


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")
