"""Checks on admin and user input: each bad field is a 400 that names it."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from chalicelib.core.errors import InvalidInput

# C0, DEL and C1 controls, and lone UTF-16 surrogates (JSON's "\ud800" decodes to one, and
# no UTF-8 encoder takes it). Prose may keep tabs and line breaks; nothing else may.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_PROSE_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_HIDDEN_CATEGORIES = {"Cc", "Cs", "Zl", "Zp"}
_BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
MAX_INT_DIGITS = 18  # fits a signed 64-bit integer, far below int()'s 4,300-digit limit


def ascii_int(text: str) -> int | None:
    """The number a string of ASCII digits spells, else None (signs, spaces, empty).

    `str.isdigit()` also holds for "\u00b2" (superscript two), which `int()` refuses, and
    for Arabic-Indic "\u0661\u0660", which it reads as 10: every number in a URL, header or
    id is checked here instead.
    """
    if not text or len(text) > MAX_INT_DIGITS or not text.isascii() or not text.isdigit():
        return None
    return int(text)


def has_control_characters(value: str, *, multiline: bool = False) -> bool:
    return (_PROSE_CONTROL if multiline else _CONTROL).search(value) is not None


def has_hidden_characters(value: str) -> bool:
    """Stricter, for what identifies a person (addresses, display names): no controls,
    surrogates or line/paragraph separators, and no bidi overrides or isolates, which
    reorder the text around them on screen."""
    return any(c in _BIDI_CONTROLS or unicodedata.category(c) in _HIDDEN_CATEGORIES
               for c in value)


def text(body: dict[str, Any], field: str, *, required: bool = False, max_length: int = 200,
         default: str | None = None, multiline: bool = False) -> str | None:
    """A trimmed string; `multiline` prose (descriptions, reviews) may hold tabs and line
    breaks, and no field any other control character."""
    value = body.get(field)
    if value is None or (isinstance(value, str) and not value.strip() and not required):
        if required:
            raise InvalidInput(f"{field} is required.", field=field)
        return default
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{field} must be a non-empty string.", field=field)
    if len(value) > max_length:
        raise InvalidInput(f"{field} must have at most {max_length} characters.", field=field)
    if has_control_characters(value, multiline=multiline):
        raise InvalidInput(f"{field} must not contain control characters.", field=field)
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
    if any(has_control_characters(v) for v in value):
        raise InvalidInput(f"{field} must not contain control characters.", field=field)
    return list(dict.fromkeys(value))


def url(body: dict[str, Any], field: str) -> str | None:
    value = text(body, field, max_length=2000)
    if value is not None and not value.startswith(("https://", "http://")):
        raise InvalidInput(f"{field} must be an http(s) URL.", field=field)
    return value
