"""Fixtures of the in-process browser tests (tests/e2e/test_player_tracks.py,
test_admin_tracks.py): the page served by the dev web server in a thread, the API answered
by the app in-process behind Playwright's request routing, one Chromium tab."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from chalice.test import Client
from playwright.sync_api import Route

from chalicelib.core import envvars
from chalicelib.core.settings import reload_settings
from devstack.web_server import WebConfig, WebServer
from tests.support.browser import Tab, headless_chromium, open_tab
from tests.support.network import free_port


@pytest.fixture
def web(api: Client, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The page on a port of its own; the API answers on the same origin (so the app's
    absolute playlist URLs name it)."""
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    server = WebServer("127.0.0.1", port, WebConfig(api_url=origin)).start()
    monkeypatch.setenv(envvars.PUBLIC_API_URL, origin)
    reload_settings()
    yield origin
    server.stop()
    monkeypatch.undo()
    reload_settings()


def serve_api(client: Client, origin: str) -> Any:
    """Playwright's router: the page's API calls to the in-process app, storage URLs
    fetched for the page (with the CORS a bucket rule would send), the page itself as is."""
    def route(route: Route) -> None:
        request, address = route.request, urlsplit(route.request.url)
        if not route.request.url.startswith(origin):
            fetched = route.fetch()
            route.fulfill(response=fetched, headers={
                **fetched.headers, "access-control-allow-origin": origin,
                "access-control-allow-credentials": "true"})
            return
        if not address.path.startswith(("/api/", "/auth/")):
            route.continue_()
            return
        path = address.path + (f"?{address.query}" if address.query else "")
        answer = client.http.request(request.method, path, headers=request.all_headers(),
                                     body=request.post_data_buffer or b"")
        headers = {name: "\n".join(value) if isinstance(value, list) else str(value)
                   for name, value in answer.headers.items()}
        route.fulfill(status=answer.status_code, headers=headers, body=answer.body)
    return route


@pytest.fixture
def tab(tmp_path: Path) -> Iterator[Tab]:
    with headless_chromium() as chromium:
        yield open_tab(chromium, tmp_path, "tracks")


