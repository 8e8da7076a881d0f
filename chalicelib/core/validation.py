"""Checks on admin and user input: each bad field is a 400 that names it.

Request models (chalicelib/core/contract.py) run these as `Check` markers on a field's
type, `Annotated[str, Meta(max_length=200), Check(plain_text)]`: msgspec's `Meta` says
what JSON Schema can (types, lengths, ranges, patterns), a `Check` what it cannot (control
and hidden characters, trimming). A check takes the decoded value and returns the value
the service gets, or raises `ValueError` (or `InvalidInput`) with the reason.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

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


@dataclass(frozen=True)
class Check:
    """A domain check on a model field, run by `contract.decode` after msgspec's own."""

    run: Callable[[Any], Any]


def plain_text(value: str) -> str:
    """Trimmed, not blank, on one line: no control characters."""
    if not value.strip():
        raise ValueError("must be a non-empty string")
    if has_control_characters(value):
        raise ValueError("must not contain control characters")
    return value.strip()


def prose(value: str) -> str:
    """Trimmed, not blank; tabs and line breaks allowed, no other control character."""
    if not value.strip():
        raise ValueError("must be a non-empty string")
    if has_control_characters(value, multiline=True):
        raise ValueError("must not contain control characters")
    return value.strip()


def visible_text(value: str) -> str:
    """What identifies a person: `plain_text`, and no bidi overrides or separators."""
    if has_hidden_characters(value):
        raise ValueError("must not contain control characters")
    return plain_text(value)


PlainText = Annotated[str, Check(plain_text)]
Prose = Annotated[str, Check(prose)]
VisibleText = Annotated[str, Check(visible_text)]


def blank_as_absent(check: Callable[[str], str]) -> Check:
    """For an optional text field: blank reads as not sent (forms send "" for an input left
    empty), anything else must pass `check`."""
    return Check(lambda value: check(value) if value.strip() else None)


OptionalPlainText = Annotated[str, blank_as_absent(plain_text)]
OptionalProse = Annotated[str, blank_as_absent(prose)]
