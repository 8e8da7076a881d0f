"""Language tags as subtitle tracks and preferences take them (BCP 47, canonical case)."""

from __future__ import annotations

import pytest

from chalicelib.core.errors import InvalidInput
from chalicelib.core.languages import canonical_language, language_tag


@pytest.mark.parametrize(("given", "canonical"), [
    ("en", "en"), ("EN", "en"), ("pt-br", "pt-BR"), ("zh-hant-tw", "zh-Hant-TW"),
    ("sr-LATN", "sr-Latn"), ("es-419", "es-419"), ("und", "und"), ("eng", "eng"),
    ("de-CH-1996", "de-CH-1996"), (" fr ", "fr"),
])
def test_well_formed_tags_come_out_in_canonical_case(given: str, canonical: str) -> None:
    assert canonical_language(given) == canonical


@pytest.mark.parametrize("given", [
    "", "e", "english", "en_US", "en-", "x-private", "en-US-u-ca-gregory", "../en",
    "en\nfr", "a" * 40,
])
def test_anything_else_is_refused_with_the_field(given: str) -> None:
    with pytest.raises(ValueError, match="BCP 47"):
        canonical_language(given)
    with pytest.raises(InvalidInput) as refused:
        language_tag(given, "subtitle_language")
    assert refused.value.details["field"] == "subtitle_language"
