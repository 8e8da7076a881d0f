"""Checks on admin and user input: each bad field is a 400 that names it."""

from __future__ import annotations

from typing import Any

from chalicelib.core.errors import InvalidInput


def text(body: dict[str, Any], field: str, *, required: bool = False, max_length: int = 200,
         default: str | None = None) -> str | None:
    value = body.get(field)
    if value is None or (isinstance(value, str) and not value.strip() and not required):
        if required:
            raise InvalidInput(f"{field} is required.", field=field)
        return default
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{field} must be a non-empty string.", field=field)
    if len(value) > max_length:
        raise InvalidInput(f"{field} must have at most {max_length} characters.", field=field)
    return value.strip()


def integer(body: dict[str, Any], field: str, *, minimum: int, maximum: int) -> int | None:
    value = body.get(field)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{field} must be an integer.", field=field)
    if not minimum <= value <= maximum:
        raise InvalidInput(f"{field} must be between {minimum} and {maximum}.", field=field)
    return value


def choice(body: dict[str, Any], field: str, options: tuple[str, ...],
           default: str | None = None) -> str | None:
    value = body.get(field, default)
    if value is None:
        return None
    if value not in options:
        raise InvalidInput(f"{field} must be one of {', '.join(options)}.", field=field)
    return str(value)


def string_list(body: dict[str, Any], field: str, *, max_items: int = 20) -> list[str] | None:
    value = body.get(field)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise InvalidInput(f"{field} must be a list of strings.", field=field)
    if len(value) > max_items:
        raise InvalidInput(f"{field} may hold at most {max_items} items.", field=field)
    return list(dict.fromkeys(value))


def url(body: dict[str, Any], field: str) -> str | None:
    value = text(body, field, max_length=2000)
    if value is not None and not value.startswith(("https://", "http://")):
        raise InvalidInput(f"{field} must be an http(s) URL.", field=field)
    return value
