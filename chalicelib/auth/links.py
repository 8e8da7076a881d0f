"""The links e-mails carry: by default in the Videoflix shape `.../activate/{uidb64}/{token}/`,
or filled into a configured template with `{uid}` and `{token}` placeholders (an SPA whose
pages read them from the query string: `.../activate.html?uid={uid}&token={token}`)."""

from __future__ import annotations

import base64
import binascii
from urllib.parse import quote

from chalicelib.core.errors import InvalidInput
from chalicelib.core.settings import Settings


def encode_uid(user_id: str) -> str:
    return base64.urlsafe_b64encode(user_id.encode()).decode().rstrip("=")


def decode_uid(uidb64: str) -> str:
    try:
        return base64.urlsafe_b64decode(uidb64 + "=" * (-len(uidb64) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidInput("The link is invalid or has expired.") from None


def _base(settings: Settings) -> str:
    # A frontend (SPA) page takes the link when one is configured; else the API itself.
    return settings.frontend_url or f"{settings.public_api_url}/api"


def _fill(template: str, user_id: str, token: str) -> str:
    # Plain replacement, not str.format: a template's other braces are not placeholders.
    uid = quote(encode_uid(user_id), safe="")
    return template.replace("{uid}", uid).replace("{token}", quote(token, safe=""))


def activation_link(settings: Settings, user_id: str, token: str) -> str:
    template = settings.activation_link_template or f"{_base(settings)}/activate/{{uid}}/{{token}}/"
    return _fill(template, user_id, token)


def password_reset_link(settings: Settings, user_id: str, token: str) -> str:
    template = (settings.reset_link_template
                or f"{_base(settings)}/password_confirm/{{uid}}/{{token}}/")
    return _fill(template, user_id, token)
