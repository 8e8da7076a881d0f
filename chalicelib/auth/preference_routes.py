"""The member's playback preferences: the subtitle and audio languages the player picks."""

from __future__ import annotations

from chalicelib.auth import preferences
from chalicelib.auth.access import Access
from chalicelib.auth.preferences import Preferences
from chalicelib.auth.principal import Principal
from chalicelib.core.http import ApiBlueprint

preference_routes = ApiBlueprint(__name__)


@preference_routes.route("/api/me/preferences", methods=["GET"], auth=Access.USER,
                         response=Preferences)
def read_preferences(caller: Principal) -> Preferences:
    """The languages the player chooses on its own (null: the movie's default)."""
    return preferences.preferences(caller.user_id)


@preference_routes.route("/api/me/preferences", methods=["PUT"], auth=Access.USER,
                         body=Preferences, response=Preferences)
def replace_preferences(caller: Principal, body: Preferences) -> Preferences:
    """Replace both: a subtitle language (or `off`) and an audio language."""
    return preferences.set_preferences(caller.user_id, body)
