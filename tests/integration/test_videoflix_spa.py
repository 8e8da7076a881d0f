"""An existing Videoflix SPA pointed at Reelstack: a page on another port of the same host,
cookies only, a preflight before every call, hls.js with credentials for the player."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlparse

import pytest
import requests
from chalice.test import Client

from chalicelib.auth.cookies import ACCESS_COOKIE
from chalicelib.auth.jwt_tokens import TokenKind, issue
from chalicelib.core import envvars
from chalicelib.core.clients import aws_client
from chalicelib.core.settings import Settings, get_settings, reload_settings
from chalicelib.playback.browser_playback import browser_client, keep_watching
from chalicelib.playback.plans import plan_of_user
from chalicelib.playback.sessions import live_slots
from tests.support.api import Browser
from tests.support.catalog import make_movie, token_headers
from tests.support.factories import TestAccount, last_link, make_account, new_email
from tests.support.hls import make_playable_movie
from tests.support.playback import lapse_leases, make_device
from tests.support.spa import FIREFOX, Spa
from tests.support.transcoded import decodes, publish_transcoded, transcode_clip

SPA = "http://127.0.0.1:5500"
ACTIVATE_PAGE = f"{SPA}/pages/auth/activate.html"
SAFARI = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Version/17.5 Safari/604.1"


@pytest.fixture(autouse=True)
def spa_settings(monkeypatch: pytest.MonkeyPatch, stack: Settings) -> Iterator[Settings]:
    monkeypatch.setenv(envvars.CORS_ORIGINS, SPA)
    monkeypatch.setenv(envvars.ACTIVATION_LINK_TEMPLATE,
                       f"{ACTIVATE_PAGE}?uid={{uid}}&token={{token}}")
    monkeypatch.setenv(envvars.RESET_LINK_TEMPLATE,
                       f"{SPA}/pages/auth/confirm_password.html?uid={{uid}}&token={{token}}")
    yield reload_settings()
    monkeypatch.undo()
    reload_settings()


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, Path]:
    return transcode_clip(tmp_path_factory.mktemp("clip"))


def spa(api: Client, user_agent: str = FIREFOX) -> Spa:
    return Spa(Browser(api, origin=SPA), user_agent)


def signed_in(api: Client) -> tuple[Spa, TestAccount]:
    account, page = make_account(), spa(api)
    page.fetch("POST", "/api/login/", {"email": account.email, "password": account.password})
    return page, account


def test_sign_up_browse_play_and_sign_out_with_cookies_alone(
    api: Client, clip: tuple[object, Path], tmp_path: Path
) -> None:
    movie = publish_transcoded(*clip, title="Real Reel")  # type: ignore[arg-type]
    page, email, password = spa(api), new_email(), "a Videoflix passphrase"

    registered = page.fetch("POST", "/api/register/", {
        "email": email, "password": password, "confirmed_password": password,
        "privacy_policy": "on",  # unknown fields are ignored
    })
    assert registered.status_code == 201
    link = urlparse(last_link(email, "activate"))
    assert f"{link.scheme}://{link.netloc}{link.path}" == ACTIVATE_PAGE
    query = parse_qs(link.query)
    activated = page.fetch("GET", f"/api/activate/{query['uid'][0]}/{query['token'][0]}/")
    assert activated.status_code == 200
    login = page.fetch("POST", "/api/login/", {"email": email, "password": password})
    assert login.status_code == 200 and "access" not in login.json_body

    [card] = [c for c in page.fetch("GET", "/api/video/").json_body
              if c["movie_id"] == movie.movie_id]
    assert isinstance(card["category"], str) and card["category"]
    assert _jpeg_behind(api, card["thumbnail_url"])

    playlist_path = f"/api/video/{movie.movie_id}/480p/index.m3u8"
    for url in (playlist_path, playlist_path + "/"):  # resolved with or without the slash
        entry = page.play(url)
        assert entry.status_code == 200
        assert entry.headers["Content-Type"] == "application/vnd.apple.mpegurl"
        video, audio = _stream_and_audio(entry.body.decode())  # the sound comes along
        for media, stored_key in ((video, movie.renditions[0].playlist_key),
                                  (audio, f"{str(movie.master_playlist_key).rsplit('/', 1)[0]}"
                                          "/audio/index.m3u8")):
            playlist = page.play(media)
            assert playlist.status_code == 200
            init_uri, first_uri = _init_and_first_segment(playlist.body.decode())
            init, first = page.play(urljoin(media, init_uri)), page.play(urljoin(media, first_uri))
            assert init.status_code == first.status_code == 200
            assert first.headers["Content-Type"] == "video/mp4"
            assert first.body == _stored(stored_key, first_uri)
            assert decodes(init.body + first.body, tmp_path)

    refreshed = page.fetch("POST", "/api/token/refresh/")  # an empty body
    assert refreshed.status_code == 200
    assert page.fetch("POST", "/api/logout/", {}).status_code == 200
    after = page.fetch("GET", "/api/video/")
    assert after.status_code == 401 and after.json_body["Code"] == "Unauthorized"


def test_an_expired_access_cookie_says_so_and_a_refresh_retries(api: Client) -> None:
    page, account = signed_in(api)
    expired, _ = issue(get_settings(), TokenKind.ACCESS, account.user_id, -1)
    page.browser.jar[(ACCESS_COOKIE, "/")] = expired

    refused = page.fetch("GET", "/api/video/")
    assert refused.status_code == 401
    assert refused.json_body["Code"] == "TokenExpired"
    assert page.fetch("POST", "/api/token/refresh/").status_code == 200
    assert page.fetch("GET", "/api/video/").status_code == 200


def test_a_movie_without_images_still_has_a_thumbnail_that_loads(api: Client) -> None:
    movie = make_movie("No Pictures Yet", category="Drama")
    page, _ = signed_in(api)

    [card] = [c for c in page.fetch("GET", "/api/video/").json_body
              if c["movie_id"] == movie.movie_id]
    image = api.http.get(urlparse(card["thumbnail_url"]).path)  # as an <img src>: no headers

    assert card["thumbnail_url"].startswith(get_settings().public_api_url + "/")
    assert card["category"] == "Drama"
    assert image.status_code == 200 and image.headers["Content-Type"] == "image/svg+xml"


AUTH_CALLS = [  # (method, path, body, status): every auth endpoint, failures included
    ("POST", "/api/register/", {"email": "x@example.com", "password": "a"}, 400),
    ("GET", "/api/activate/bm9ib2R5/not-a-token/", None, 400),
    ("POST", "/api/login/", {"email": "nobody@example.com", "password": "wrong!"}, 401),
    ("POST", "/api/token/refresh/", None, 401),
    ("POST", "/api/logout/", None, 200),
    ("POST", "/api/password_reset/", {"email": "nobody@example.com", "extra": 1}, 200),
    ("POST", "/api/password_confirm/bm9ib2R5/not-a-token/",
     {"new_password": "a new passphrase", "confirm_password": "a new passphrase"}, 400),
]


def test_every_auth_endpoint_answers_json_errors_included(api: Client) -> None:
    page = spa(api)
    for method, path, body, status in AUTH_CALLS:
        response = page.fetch(method, path, body)  # (which checks the body is JSON)

        assert response.status_code == status, (path, response.json_body)
        assert ("Code" in response.json_body) == (status >= 400), path


def test_requests_of_one_browser_at_once_share_its_slot(api: Client) -> None:
    movie = make_playable_movie()
    account = make_account()  # basic: one stream
    browser = browser_client(account.user_id, FIREFOX, plan_of_user(account.user_id))

    with ThreadPoolExecutor(max_workers=6) as pool:
        held = list(pool.map(lambda _: keep_watching(browser, movie.movie_id), range(6)))

    assert len({session.slot for session in held}) == 1
    assert len(live_slots(account.user_id, time.time())) == 1


def test_the_stream_limit_holds_for_browsers_without_sessions(api: Client) -> None:
    movie = make_playable_movie()
    laptop, account = signed_in(api)  # on the basic plan: 1 stream, up to 480p
    phone = spa(api, SAFARI)
    phone.browser.jar = dict(laptop.browser.jar)  # the same account in another browser
    playlist = f"/api/video/{movie.movie_id}/480p/index.m3u8"

    assert laptop.play(playlist).status_code == 200
    above = laptop.play(f"/api/video/{movie.movie_id}/720p/index.m3u8")
    assert above.status_code == 403 and "plan" in above.json_body["Message"]
    refused = phone.play(playlist)
    assert refused.status_code == 409
    assert refused.json_body["Code"] == "StreamLimitReached"
    assert refused.json_body["max_streams"] == 1
    assert laptop.play(f"/api/video/{movie.movie_id}/480p/segment_000.ts/").status_code == 200
    assert laptop.play(playlist).status_code == 200  # its own session, renewed
    [active] = laptop.fetch("GET", "/api/playback/active/").json_body
    assert active["movie_id"] == movie.movie_id
    assert _start_on_a_tv(api, account, movie.movie_id) == 409  # one pool of slots

    lapse_leases(account.user_id)  # the laptop stopped fetching: its slot frees itself
    assert phone.play(playlist).status_code == 200
    assert laptop.play(playlist).status_code == 409


def _start_on_a_tv(api: Client, account: TestAccount, movie_id: str) -> int:
    native = Browser(api)
    headers = token_headers(native, account)
    make_device(account.user_id, "tv")
    started = native.post("/api/playback/start/", {"movie_id": movie_id, "device_id": "tv"},
                          headers=headers)
    return started.status_code


def _jpeg_behind(api: Client, url: str) -> bool:
    """Whether the URL, loaded as an <img src> (no headers), ends at a JPEG."""
    assert url.startswith(get_settings().public_api_url + "/")
    redirect = api.http.get(urlparse(url).path)
    assert redirect.status_code == 302
    image = requests.get(redirect.headers["Location"], timeout=10)
    return image.status_code == 200 and image.content[:3] == b"\xff\xd8\xff"


def _stream_and_audio(master: str) -> tuple[str, str]:
    """The paths of the one stream's media playlist and of its audio group's."""
    lines = master.splitlines()
    [stream] = [i for i, line in enumerate(lines) if line.startswith("#EXT-X-STREAM-INF")]
    [audio] = [line.split('URI="')[1].split('"')[0] for line in lines
               if line.startswith("#EXT-X-MEDIA:TYPE=AUDIO")]
    return urlparse(lines[stream + 1]).path, urlparse(audio).path


def _init_and_first_segment(playlist: str) -> tuple[str, str]:
    lines = playlist.splitlines()
    [init] = [line.split('URI="')[1].split('"')[0] for line in lines
              if line.startswith("#EXT-X-MAP")]
    first = next(line for line in lines if line and not line.startswith("#"))
    assert "://" not in init + first and "/" not in init + first  # relative to the playlist
    return init, first


def _stored(playlist_key: str, name: str) -> bytes:
    key = f"{playlist_key.rsplit('/', 1)[0]}/{name}"
    body = aws_client("s3").get_object(Bucket=get_settings().buckets.media, Key=key)["Body"]
    return bytes(body.read())
