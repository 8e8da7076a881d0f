"""E-mail links: the Videoflix API paths by default, an SPA's page when configured."""

from __future__ import annotations

from chalicelib.auth.links import activation_link, decode_uid, encode_uid, password_reset_link
from chalicelib.core.settings import Settings

USER_ID = "0f4c2a9e7b"
TOKEN = "Zm9v-YmFy_tok"


def test_by_default_links_are_the_api_paths() -> None:
    settings = Settings.from_env({"REELSTACK_PUBLIC_API_URL": "https://api.example/v1/"})
    uid = encode_uid(USER_ID)

    assert activation_link(settings, USER_ID, TOKEN) == \
        f"https://api.example/v1/api/activate/{uid}/{TOKEN}/"
    assert password_reset_link(settings, USER_ID, TOKEN) == \
        f"https://api.example/v1/api/password_confirm/{uid}/{TOKEN}/"
    assert decode_uid(uid) == USER_ID


def test_a_frontend_url_takes_the_same_paths() -> None:
    settings = Settings.from_env({"REELSTACK_FRONTEND_URL": "https://spa.example/"})

    assert activation_link(settings, USER_ID, TOKEN).startswith("https://spa.example/activate/")


def test_templates_put_uid_and_token_where_the_spa_reads_them() -> None:
    settings = Settings.from_env({
        "REELSTACK_FRONTEND_URL": "https://ignored.example",
        "REELSTACK_ACTIVATION_LINK_TEMPLATE":
            "http://127.0.0.1:5500/pages/auth/activate.html?uid={uid}&token={token}",
        "REELSTACK_RESET_LINK_TEMPLATE": "https://spa.example/#/reset/{token}/{uid}?x={y}",
    })
    uid = encode_uid(USER_ID)

    assert activation_link(settings, USER_ID, TOKEN) == \
        f"http://127.0.0.1:5500/pages/auth/activate.html?uid={uid}&token={TOKEN}"
    assert password_reset_link(settings, USER_ID, TOKEN) == \
        f"https://spa.example/#/reset/{TOKEN}/{uid}?x={{y}}"  # other braces stay as written
