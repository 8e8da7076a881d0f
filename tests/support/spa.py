"""A Videoflix SPA served from another origin, driving the app in-process as a browser would.

Such a page calls every endpoint with `fetch(url, {credentials: 'include'})` and a JSON
Content-Type, so the browser sends a CORS preflight before each call and lets the page read
an answer only if it names the page's origin and allows credentials. Its player (hls.js with
`withCredentials = true`) sends plain GETs with the cookies and no preflight.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from chalice.test import HTTPResponse

from tests.support.api import Browser

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def readable_by(response: HTTPResponse, origin: str) -> bool:
    """Whether a browser hands this answer to a credentialed request from `origin`."""
    headers = response.headers
    return (headers.get("Access-Control-Allow-Origin") == origin
            and headers.get("Access-Control-Allow-Credentials") == "true")


@dataclass
class Spa:
    browser: Browser
    user_agent: str = FIREFOX

    @property
    def origin(self) -> str:
        assert self.browser.origin, "an SPA runs on an origin of its own"
        return self.browser.origin

    def fetch(self, method: str, path: str, body: Any = None) -> HTTPResponse:
        """One `fetch` of the page: preflight, then the call; its answer must be JSON."""
        preflight = self.browser.client.http.request("OPTIONS", path, headers={
            "Origin": self.origin, "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "content-type", "User-Agent": self.user_agent,
        })
        assert preflight.status_code == 204, (path, preflight.status_code)
        assert readable_by(preflight, self.origin), preflight.headers
        assert "Content-Type" in preflight.headers["Access-Control-Allow-Headers"]
        assert method in preflight.headers["Access-Control-Allow-Methods"]
        response = self.browser.request(method, path, body,
                                        headers={"User-Agent": self.user_agent})
        assert readable_by(response, self.origin), (path, response.headers)
        # No Content-Type: API Gateway and `chalice local` send application/json.
        content_type = response.headers.get("Content-Type", "application/json")
        assert content_type.startswith("application/json"), path
        json.loads(response.body)  # a client that parses every reply never fails
        return response

    def play(self, path: str) -> HTTPResponse:
        """One request of the page's hls.js: a credentialed GET, no preflight."""
        response = self.browser.get(path, headers={"User-Agent": self.user_agent,
                                                   "Accept": "*/*"})
        assert readable_by(response, self.origin), (path, response.status_code,
                                                    response.headers)
        return response
