"""The web server's /docs: Swagger UI from npm's swagger-ui-dist, on the API's document."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from devstack.web_server import WebConfig, WebServer, swagger_available
from tests.support.network import free_port

API = "http://127.0.0.1:8123"


@pytest.fixture(scope="module")
def web() -> Iterator[str]:
    server = WebServer("127.0.0.1", free_port(), WebConfig(API)).start()
    yield server.url
    server.stop()


def test_docs_open_swagger_ui_on_the_apis_document(web: str) -> None:
    page = requests.get(f"{web}/docs", timeout=5)

    assert page.status_code == 200 and page.headers["Content-Type"] == "text/html"
    assert f'"url": "{API}/api/openapi.json"' in page.text
    assert '"persistAuthorization": true' in page.text
    assert swagger_available(), "make installs swagger-ui-dist into web/node_modules"
    for asset, kind in [("swagger-ui-bundle.js", "text/javascript"),
                        ("swagger-ui.css", "text/css")]:
        answer = requests.get(f"{web}/docs/{asset}", timeout=5)
        assert (answer.status_code, answer.headers["Content-Type"]) == (200, kind), asset


def test_only_the_listed_swagger_files_are_served(web: str) -> None:
    for path in ("/docs/package.json", "/docs/../package.json", "/docs/index.html"):
        assert requests.get(web + path, timeout=5).status_code == 404, path
