"""Language tags (BCP 47, RFC 5646) as HLS `LANGUAGE` attributes and players use them."""

from __future__ import annotations

import re
from typing import Annotated

from msgspec import Meta

from chalicelib.core.errors import InvalidInput
from chalicelib.core.validation import Check

# Well-formed tags: a 2-3 letter language (`und` included), then an optional script,
# region and variants. Extensions, private-use and grandfathered tags are refused: no
# player offers them by name. Whether a subtag is registered is not checked (that needs
# the IANA registry); a well-formed unknown one does no harm.
LANGUAGE_TAG = re.compile(
    r"(?P<language>[A-Za-z]{2,3})(?:-(?P<script>[A-Za-z]{4}))?"
    r"(?:-(?P<region>[A-Za-z]{2}|[0-9]{3}))?"
    r"(?P<variants>(?:-(?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*)")
MAX_TAG = 35


def canonical_language(value: str) -> str:
    """The tag in its canonical case (`pt-BR`, `zh-Hant-TW`, `sr-Latn`)."""
    found = LANGUAGE_TAG.fullmatch(value.strip()) if len(value) <= MAX_TAG else None
    if found is None:
        raise ValueError(f"{value[:MAX_TAG]!r} is not a BCP 47 language tag (such as en, "
                         "pt-BR or zh-Hant)")
    parts = [found["language"].lower()]
    if found["script"]:
        parts.append(found["script"].title())
    if found["region"]:
        parts.append(found["region"].upper())
    parts += [variant.lower() for variant in found["variants"].split("-") if variant]
    return "-".join(parts)


def language_tag(value: str, field: str = "language") -> str:
    """`canonical_language`, or a 400 naming `field`."""
    try:
        return canonical_language(value)
    except ValueError as error:
        raise InvalidInput(f"{field}: {error}.", field=field) from None


LanguageTag = Annotated[str, Meta(max_length=MAX_TAG), Check(canonical_language)]
