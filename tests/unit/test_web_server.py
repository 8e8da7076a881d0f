"""The static host of the reference web player: app routes, the vendored hls.js, config."""

from __future__ import annotations

import http.client
import os
from collections.abc import Iterator

import pytest
import requests

from chalicelib.core import envvars
from devstack.run import use_web_player
from devstack.web_server import PAGE_ROOT, WebConfig, WebServer, hls_available
from tests.support.network import free_port


@pytest.fixture(scope="module")
def web() -> Iterator[str]:
    server = WebServer("127.0.0.1", free_port(), WebConfig("http://127.0.0.1:8123")).start()
    yield server.url
    server.stop()


def test_app_routes_answer_the_page_and_files_answer_themselves(web: str) -> None:
    index = (PAGE_ROOT / "index.html").read_bytes()
    for route in ("/", "/movie/abc", "/activate/dXNlcg/tok-en/", "/watch/abc"):
        answer = requests.get(web + route, timeout=5)
        assert answer.status_code == 200 and answer.content == index, route
        assert answer.headers["Content-Type"] == "text/html"
    script = requests.get(f"{web}/js/main.js", timeout=5)
    assert script.status_code == 200
    assert script.headers["Content-Type"] == "text/javascript"


def test_the_page_learns_the_api_url_from_config_js(web: str) -> None:
    config = requests.get(f"{web}/config.js", timeout=5).text
    assert config == ('window.REELSTACK_CONFIG = {"apiUrl": "http://127.0.0.1:8123", '
                      '"pageSize": 12};\n')


@pytest.mark.parametrize("path", ["/missing.js", "/../README.md", "/%2e%2e/app.py",
                                  "/vendor/package.json", "/vendor/%2e%2e/hls.js/package.json",
                                  "/%2e%2e/%2e%2e/Makefile"])
def test_nothing_outside_the_page_is_served(web: str, path: str) -> None:
    # http.client sends the path as written (requests would normalise the dots away).
    host, port = web.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    connection.request("GET", path)
    answer = connection.getresponse()
    body = answer.read()
    connection.close()
    index = (PAGE_ROOT / "index.html").read_bytes()
    assert answer.status == 404 or body == index, (path, answer.status)


def test_hls_js_comes_from_the_npm_package(web: str) -> None:
    if not hls_available():
        pytest.fail("web/node_modules has no hls.js: `make install` runs npm ci in web/")
    answer = requests.get(f"{web}/vendor/hls.min.js", timeout=5)
    assert answer.status_code == 200 and b"Hls" in answer.content[:200_000]


def test_make_run_lets_its_page_call_the_api_and_open_the_mailed_links(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(envvars.CORS_ORIGINS, "http://127.0.0.1:5500")
    # (set first, so that monkeypatch puts the variable back the way it found it)
    monkeypatch.setenv(envvars.FRONTEND_URL, "")
    monkeypatch.delenv(envvars.FRONTEND_URL)

    use_web_player("http://127.0.0.1:8080")
    use_web_player("http://127.0.0.1:8080")

    assert os.environ[envvars.CORS_ORIGINS] == "http://127.0.0.1:5500,http://127.0.0.1:8080"
    assert os.environ[envvars.FRONTEND_URL] == "http://127.0.0.1:8080"
