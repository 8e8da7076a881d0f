"""Text as the catalog compares it: case- and accent-insensitive words, URL-safe slugs."""

from __future__ import annotations

import re
import unicodedata

WORD = re.compile(r"[a-z0-9]+")
MAX_WORDS = 40  # per movie, so a long cast cannot blow up the index
# Too common to find anything by, and each would be a huge index partition.
STOP_WORDS = frozenset({"a", "an", "and", "the", "of", "to", "in", "on", "at", "for", "with",
                        "de", "la", "le", "el", "der", "die", "das"})


def fold(text: str) -> str:
    """Lower-case ASCII-ish text: 'Amélie' and 'AMELIE' fold to the same 'amelie'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(*texts: str) -> list[str]:
    """Distinct words of the texts, in order, folded."""
    seen: dict[str, None] = {}
    for text in texts:
        for word in WORD.findall(fold(text)):
            if word not in STOP_WORDS:
                seen.setdefault(word, None)
    return list(seen)[:MAX_WORDS]


def slugify(text: str) -> str:
    return "-".join(WORD.findall(fold(text)))[:64]
