"""What a member prefers to hear and read: the languages the player picks on its own.

Kept on the member's item of the users table, in attributes of their own (a model of
just those, so the account's code and this one never write each other's fields); an
update that finds no account item refuses rather than make one.
"""

from __future__ import annotations

from typing import Annotated

from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.expressions.update import Action
from pynamodb.models import Model

from chalicelib.core.contract import Model as Contract
from chalicelib.core.dynamo import is_condition_failure, settings_table
from chalicelib.core.errors import NotFound
from chalicelib.core.languages import LanguageTag, canonical_language
from chalicelib.core.validation import Check

OFF = "off"  # subtitles: never shown unless forced


def _subtitle_choice(value: str) -> str:
    return OFF if value.strip().lower() == OFF else canonical_language(value)


SubtitleChoice = Annotated[str, Check(_subtitle_choice)]


class Preferences(Contract, frozen=True):
    """`subtitle_language`: a BCP 47 tag, `off`, or null (the movie's default track);
    `audio_language`: a tag or null (the movie's default audio)."""

    subtitle_language: SubtitleChoice | None = None
    audio_language: LanguageTag | None = None
    example = {"subtitle_language": "pt-BR", "audio_language": "en"}


@settings_table(lambda tables: tables.users)
class PreferencesItem(Model):
    class Meta:
        pass

    user_id = UnicodeAttribute(hash_key=True)
    subtitle_language = UnicodeAttribute(null=True, attr_name="pref_subtitles")
    audio_language = UnicodeAttribute(null=True, attr_name="pref_audio")


def preferences(user_id: str) -> Preferences:
    try:
        item = PreferencesItem.get(user_id)
    except DoesNotExist:
        raise NotFound("No such account.") from None
    return Preferences(subtitle_language=item.subtitle_language,
                       audio_language=item.audio_language)


def set_preferences(user_id: str, wanted: Preferences) -> Preferences:
    """Replace both choices (null clears one)."""
    values = ((PreferencesItem.subtitle_language, wanted.subtitle_language),
              (PreferencesItem.audio_language, wanted.audio_language))
    actions: list[Action] = [attribute.remove() if value is None else attribute.set(value)
                             for attribute, value in values]
    try:
        PreferencesItem(user_id).update(actions=actions,
                                        condition=PreferencesItem.user_id.exists())
    except UpdateError as error:
        if is_condition_failure(error):
            raise NotFound("No such account.") from None
        raise
    return wanted
