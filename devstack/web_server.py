"""The reference web player (`web/`) on its own origin, as any static host would serve it.

`web/public/` is the page; `/vendor/hls.min.js` comes from the npm package the Makefile
installs into `web/node_modules/`; `/config.js` tells the page where the API is (and how
many catalog cards a page holds, REELSTACK_WEB_PAGE_SIZE, 12 unless set). `/docs` is
Swagger UI (npm's swagger-ui-dist, installed the same way) on the API's
`/api/openapi.json`; its "Authorize" takes an access token as Bearer. Paths
without a file extension answer `index.html`, so links such as `/activate/{uid}/{token}/`
(from the e-mails) and `/movie/{id}` open the single-page app on that route.
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import os
import threading
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from devstack.environment import PROJECT_ROOT

WEB_ROOT = PROJECT_ROOT / "web"
PAGE_ROOT = WEB_ROOT / "public"
HLS_DIST = WEB_ROOT / "node_modules" / "hls.js" / "dist"
VENDORED = {"hls.min.js", "hls.min.js.map"}
SWAGGER_DIST = WEB_ROOT / "node_modules" / "swagger-ui-dist"
SWAGGER_FILES = {"swagger-ui-bundle.js", "swagger-ui-bundle.js.map", "swagger-ui.css",
                 "swagger-ui.css.map", "favicon-32x32.png"}
PAGE_SIZE_VARIABLE = "REELSTACK_WEB_PAGE_SIZE"
TYPES = {".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css",
         ".html": "text/html", ".svg": "image/svg+xml", ".map": "application/json",
         ".json": "application/json"}


def hls_available() -> bool:
    return (HLS_DIST / "hls.min.js").is_file()


def swagger_available() -> bool:
    return (SWAGGER_DIST / "swagger-ui-bundle.js").is_file()


@dataclass(frozen=True)
class WebConfig:
    api_url: str
    page_size: int = 12

    @classmethod
    def from_env(cls, api_url: str) -> WebConfig:
        return cls(api_url, int(os.environ.get(PAGE_SIZE_VARIABLE) or 12))

    def script(self) -> bytes:
        config = {"apiUrl": self.api_url, "pageSize": self.page_size}
        return f"window.REELSTACK_CONFIG = {json.dumps(config)};\n".encode()

    def docs_page(self) -> bytes:
        """Swagger UI on the API's document; the document names the API as its server,
        so "Try it out" calls the API (this origin is one the API allows)."""
        options = {"url": f"{self.api_url}/api/openapi.json", "dom_id": "#swagger-ui",
                   "persistAuthorization": True, "withCredentials": True}
        return (
            '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
            "<title>Reelstack API</title>"
            '<link rel="icon" href="/docs/favicon-32x32.png">'
            '<link rel="stylesheet" href="/docs/swagger-ui.css"></head>\n'
            '<body><div id="swagger-ui"></div>'
            '<script src="/docs/swagger-ui-bundle.js"></script>\n'
            f"<script>window.ui = SwaggerUIBundle({json.dumps(options)});</script>"
            "</body></html>\n").encode()


def _handler(config: WebConfig) -> type[BaseHTTPRequestHandler]:
    class WebHandler(BaseHTTPRequestHandler):
        server_version = "ReelstackWeb"

        def do_GET(self) -> None:
            self._answer(with_body=True)

        def do_HEAD(self) -> None:
            self._answer(with_body=False)

        def _answer(self, with_body: bool) -> None:
            path = unquote(urlsplit(self.path).path)
            if path == "/config.js":
                return self._send(config.script(), "text/javascript", with_body)
            if path in ("/docs", "/docs/"):
                return self._send(config.docs_page(), "text/html", with_body)
            file = _resolve(path)
            if file is None:
                return self._send(b"Not found\n", "text/plain", with_body, HTTPStatus.NOT_FOUND)
            kind = TYPES.get(file.suffix) or mimetypes.guess_type(file.name)[0] \
                or "application/octet-stream"
            self._send(file.read_bytes(), kind, with_body)

        def _send(self, body: bytes, kind: str, with_body: bool,
                  status: HTTPStatus = HTTPStatus.OK) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-cache")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.end_headers()
            if with_body:
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return WebHandler


def _resolve(path: str) -> Path | None:
    """The file a path names inside the page (or the vendored hls.js), else index.html for
    an app route; None for anything else, traversal included."""
    if path.startswith("/vendor/"):
        name = path.removeprefix("/vendor/")
        return HLS_DIST / name if name in VENDORED and (HLS_DIST / name).is_file() else None
    if path.startswith("/docs/"):
        name = path.removeprefix("/docs/")
        found = SWAGGER_DIST / name
        return found if name in SWAGGER_FILES and found.is_file() else None
    candidate = (PAGE_ROOT / path.lstrip("/")).resolve()
    if not candidate.is_relative_to(PAGE_ROOT.resolve()):
        return None
    if candidate.is_file():
        return candidate
    if "." in path.rsplit("/", 1)[-1]:
        return None
    return PAGE_ROOT / "index.html"


class WebServer:
    """The page on host:port in a background thread (stopped with the stack)."""

    def __init__(self, host: str, port: int, config: WebConfig) -> None:
        self._server = ThreadingHTTPServer((host, port), _handler(config))
        self._server.daemon_threads = True
        self.url = f"http://{host}:{port}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="web",
                                        daemon=True)

    def start(self) -> WebServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve web/ for an API that already runs.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--api", default="http://127.0.0.1:8000")
    args = parser.parse_args()
    server = WebServer(args.host, args.port, WebConfig.from_env(args.api)).start()
    print(f"web player on {server.url} (API {args.api})", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
