"""Drive the app in-process like its clients do: a browser with a cookie jar, or Bearer."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from chalice.test import Client, HTTPResponse


def _path_matches(cookie_path: str, request_path: str) -> bool:
    return request_path == cookie_path or request_path.startswith(cookie_path.rstrip("/") + "/")


@dataclass
class Browser:
    """Keeps cookies as a browser does: by name and path, dropped at Max-Age=0."""

    client: Client
    jar: dict[tuple[str, str], str] = field(default_factory=dict)
    origin: str | None = None

    def request(self, method: str, path: str, body: Any = None,
                headers: dict[str, str] | None = None) -> HTTPResponse:
        sent = {"Content-Type": "application/json", **(headers or {})}
        cookies = [f"{name}={value}" for (name, cookie_path), value in self.jar.items()
                   if _path_matches(cookie_path, path.split("?", maxsplit=1)[0])]
        if cookies:
            sent["Cookie"] = "; ".join(cookies)
        if self.origin:
            sent["Origin"] = self.origin
        raw = body if isinstance(body, bytes) else json.dumps(body).encode() if body else b""
        response = self.client.http.request(method, path, headers=sent, body=raw)
        self._remember(response)
        return response

    def _remember(self, response: HTTPResponse) -> None:
        set_cookies = response.headers.get("Set-Cookie") or response.headers.get("set-cookie")
        for header in [set_cookies] if isinstance(set_cookies, str) else (set_cookies or []):
            pair, *attributes = [part.strip() for part in header.split(";")]
            name, _, value = pair.partition("=")
            attrs = {k.lower(): v for k, _, v in (a.partition("=") for a in attributes)}
            key = (name, attrs.get("path", "/"))
            if attrs.get("max-age") == "0" or not value:
                self.jar.pop(key, None)
            else:
                self.jar[key] = value

    def get(self, path: str, **kwargs: Any) -> HTTPResponse:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> HTTPResponse:
        return self.request("POST", path, body, **kwargs)

    def delete(self, path: str, body: Any = None, **kwargs: Any) -> HTTPResponse:
        return self.request("DELETE", path, body, **kwargs)

    def cookie(self, name: str) -> str | None:
        return next((v for (n, _), v in self.jar.items() if n == name), None)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
