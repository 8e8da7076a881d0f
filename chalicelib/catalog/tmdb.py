"""TMDb v3: a movie with its credits and certification, title search, and artwork copies.

The admin import (`POST /api/admin/videos/import/`) and movie requests read TMDb through
`TmdbClient`; `copy_images` puts a movie's poster and backdrop into our own bucket so the
catalogue never hot-links TMDb's CDN. Every failure is one of `chalicelib.core.errors`.
"""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests

from chalicelib.catalog.tmdb_answers import (
    TmdbMovie,
    TmdbSearchResult,
    movie_from,
    search_results_from,
)
from chalicelib.core import envvars
from chalicelib.core.errors import (
    BadGateway,
    DependencyUnavailable,
    InvalidInput,
    NotFound,
)
from chalicelib.core.settings import Settings
from chalicelib.core.validation import ascii_int

logger = logging.getLogger(__name__)

TMDB_API_HOST = "api.themoviedb.org"
MAX_IMAGE_BYTES = 20 * 1024 * 1024
MAX_RETRY_AFTER_SECONDS = 30.0
IMAGE_CHUNK_BYTES = 64 * 1024
POSTER_SIZE = "w780"
BACKDROP_SIZE = "w1280"
IMMUTABLE = "public, max-age=31536000, immutable"
IMAGE_PATH = re.compile(r"/[A-Za-z0-9_-]+(\.[A-Za-z0-9]+)?")
IMAGE_SIZE = re.compile(r"[a-z0-9]+")

# Only raster types: an SVG served from our bucket could carry script.
IMAGE_EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}

Parsed = TypeVar("Parsed")


class _TransientFailure(Exception):
    """A failure worth another attempt: 429, 5xx, a refused connection, a timeout."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class TmdbClient:
    """Reads TMDb with retries; every failure is a `ReelstackError` fit for an HTTP answer.

    The key is checked when TMDb is first asked, not here, so building a client never fails
    and a missing key answers the admin's request with a 503 that says what to set.
    """

    def __init__(
        self,
        settings: Settings,
        session: requests.Session | None = None,
        *,
        timeout: float = 5.0,
        attempts: int = 4,
        backoff_seconds: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if attempts < 1:
            raise ValueError("attempts must be at least 1")
        self._api_url = settings.tmdb_api_url.rstrip("/")
        self._image_url = settings.tmdb_image_url.rstrip("/")
        self._api_key = settings.tmdb_api_key.strip()
        self._session = session or requests.Session()
        self._timeout = timeout
        self._attempts = attempts
        self._backoff_seconds = backoff_seconds
        self._sleep = sleep

    def fetch_movie(self, tmdb_id: int) -> TmdbMovie:
        """The movie with its credits and release dates, in one request."""
        _check_tmdb_id(tmdb_id)
        payload = self._get_json(
            f"/movie/{tmdb_id}",
            {"append_to_response": "credits,release_dates"},
            what=f"movie {tmdb_id}",
        )
        return _parse(movie_from, payload, f"movie {tmdb_id}")

    def search(self, title: str, year: int | None = None) -> list[TmdbSearchResult]:
        query = title.strip() if isinstance(title, str) else ""
        if not query:
            raise InvalidInput("A title to search for is required")
        params: dict[str, str] = {"query": query, "include_adult": "false", "page": "1"}
        if year is not None:
            _check_year(year)
            params["year"] = str(year)
        payload = self._get_json("/search/movie", params, what=f"a search for {query!r}")
        return _parse(search_results_from, payload, f"a search for {query!r}")

    def fetch_image(self, path: str, size: str = "original") -> tuple[bytes, str]:
        """The image's bytes and content type; refuses non-raster answers and huge bodies."""
        _check_image_path(path, size)
        url = f"{self._image_url}/{size}{path}"
        try:
            # No credentials: the image CDN needs none, and the key should not travel there.
            return self._request(url, {}, {}, f"image {path}", _read_image)
        except NotFound as error:
            raise BadGateway(f"TMDb has no image at {path}", path=path) from error

    def _get_json(self, route: str, params: Mapping[str, str], *, what: str) -> dict[str, Any]:
        auth_params, headers = self._credentials()
        headers = {**headers, "Accept": "application/json"}
        url = f"{self._api_url}{route}"
        return self._request(url, {**params, **auth_params}, headers, what, _read_json)

    def _credentials(self) -> tuple[dict[str, str], dict[str, str]]:
        if not self._api_key:
            if urlsplit(self._api_url).hostname == TMDB_API_HOST:
                raise DependencyUnavailable(
                    f"TMDb needs an API key: set {envvars.TMDB_API_KEY} to a v3 key "
                    "or a v4 read access token"
                )
            return {}, {}  # a fake or a proxy of TMDb may need none
        if _is_read_access_token(self._api_key):
            return {}, {"Authorization": f"Bearer {self._api_key}"}
        return {"api_key": self._api_key}, {}

    def _request(
        self,
        url: str,
        params: Mapping[str, str],
        headers: Mapping[str, str],
        what: str,
        read: Callable[[requests.Response, str], Parsed],
    ) -> Parsed:
        attempt = 1
        while True:
            try:
                return self._attempt(url, params, headers, what, read)
            except _TransientFailure as failure:
                if attempt >= self._attempts:
                    raise BadGateway(
                        f"TMDb failed to answer for {what} after {attempt} attempt(s): "
                        f"{failure.reason}"
                    ) from failure
                delay = self._delay_before_retry(attempt, failure.retry_after)
                logger.warning(
                    "TMDb failed for %s (%s); attempt %d of %d in %.2f s",
                    what, failure.reason, attempt + 1, self._attempts, delay,
                )
                self._sleep(delay)
                attempt += 1

    def _attempt(
        self,
        url: str,
        params: Mapping[str, str],
        headers: Mapping[str, str],
        what: str,
        read: Callable[[requests.Response, str], Parsed],
    ) -> Parsed:
        try:
            # Streamed, so an image body can be refused before it is all in memory.
            with self._session.get(
                url, params=params, headers=headers, timeout=self._timeout, stream=True
            ) as response:
                _raise_for_status(response, what)
                return read(response, what)
        except requests.Timeout as error:
            raise _TransientFailure(f"no answer within {self._timeout:g} s") from error
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as error:
            raise _TransientFailure(f"connection failed ({_root_cause(error)})") from error
        except requests.RequestException as error:
            raise BadGateway(
                f"TMDb's answer for {what} could not be read ({_root_cause(error)})"
            ) from error

    def _delay_before_retry(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, MAX_RETRY_AFTER_SECONDS)
        exponential = self._backoff_seconds * 2.0 ** (attempt - 1)
        # Jitter, so clients that failed together do not come back together.
        jitter = random.uniform(0, self._backoff_seconds)
        return min(exponential + jitter, MAX_RETRY_AFTER_SECONDS)


def copy_images(
    client: TmdbClient, movie: TmdbMovie, bucket: str, key_prefix: str, s3: Any
) -> dict[str, str]:
    """Copy the poster and backdrop into `bucket`; returns the keys written, by kind."""
    wanted = (
        ("poster", movie.poster_path, POSTER_SIZE),
        ("backdrop", movie.backdrop_path, BACKDROP_SIZE),
    )
    # Download everything before writing anything, so a failed download leaves no half copy.
    images = {kind: client.fetch_image(path, size) for kind, path, size in wanted if path}
    prefix = key_prefix.rstrip("/")
    copied: dict[str, str] = {}
    for kind, (body, content_type) in images.items():
        key = f"{prefix}/{kind}{IMAGE_EXTENSIONS[content_type]}"
        s3.put_object(
            Bucket=bucket, Key=key, Body=body, ContentType=content_type, CacheControl=IMMUTABLE
        )
        copied[kind] = key
    logger.info("Copied TMDb artwork of movie %d: %s", movie.tmdb_id, copied)
    return copied


def _is_read_access_token(api_key: str) -> bool:
    # A v4 read access token is a JWT (base64 of '{"' starts "eyJ"); a v3 key is 32 hex digits.
    return api_key.startswith("eyJ") and api_key.count(".") == 2


def _check_tmdb_id(tmdb_id: object) -> None:
    if isinstance(tmdb_id, bool) or not isinstance(tmdb_id, int) or tmdb_id <= 0:
        raise InvalidInput(f"A TMDb id is a positive integer, not {tmdb_id!r}", field="tmdb_id")


def _check_year(year: object) -> None:
    if isinstance(year, bool) or not isinstance(year, int) or not 1870 <= year <= 2200:
        raise InvalidInput(f"A release year is a four-digit year, not {year!r}", field="year")


def _check_image_path(path: str, size: str) -> None:
    # Both come from TMDb's own answers; anything else could point the request elsewhere.
    if not isinstance(path, str) or not IMAGE_PATH.fullmatch(path):
        raise InvalidInput(f"A TMDb image path looks like '/abc.jpg', not {path!r}")
    if not isinstance(size, str) or not IMAGE_SIZE.fullmatch(size):
        raise InvalidInput(f"A TMDb image size looks like 'w780' or 'original', not {size!r}")


def _raise_for_status(response: requests.Response, what: str) -> None:
    status = response.status_code
    if status < 400:
        return
    if status == 429:
        raise _TransientFailure("rate limited (HTTP 429)", _retry_after(response))
    if status >= 500:
        raise _TransientFailure(f"HTTP {status}")
    if status == 404:
        raise NotFound(f"TMDb has no {what}")
    message = _tmdb_message(response)
    if status == 401:
        raise DependencyUnavailable(
            f"TMDb refused our credentials ({message}): check {envvars.TMDB_API_KEY}"
        )
    raise BadGateway(f"TMDb refused the request for {what}: HTTP {status} ({message})")


def _root_cause(error: BaseException) -> str:
    """The innermost error's name: the outer ones' text holds the URL, and so the API key."""
    for _ in range(10):  # a bound, in case a chain loops
        inner = error.__cause__ or error.__context__
        if inner is None:
            break
        error = inner
    return type(error).__name__


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "").strip()
    try:
        seconds = float(value)
    except ValueError:
        return None  # absent, or an HTTP date: fall back to our own backoff
    return max(0.0, seconds)


def _tmdb_message(response: requests.Response) -> str:
    try:
        message = response.json().get("status_message")
    except (ValueError, AttributeError):
        message = None
    return str(message) if message else response.reason or "no reason given"


def _read_json(response: requests.Response, what: str) -> dict[str, Any]:
    try:
        payload = response.json()
    except ValueError as error:
        raise BadGateway(f"TMDb answered {what} with something that is not JSON") from error
    if not isinstance(payload, dict):
        raise BadGateway(f"TMDb answered {what} with JSON that is not an object")
    return payload


def _read_image(response: requests.Response, what: str) -> tuple[bytes, str]:
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if content_type not in IMAGE_EXTENSIONS:
        raise BadGateway(f"TMDb answered {what} with {content_type or 'no content type'}, "
                         "not a JPEG, PNG or WebP image")
    declared = ascii_int(response.headers.get("Content-Length", ""))
    if declared is not None and declared > MAX_IMAGE_BYTES:
        raise BadGateway(f"TMDb's {what} is {declared} bytes, over {MAX_IMAGE_BYTES}")
    return _read_at_most(response.iter_content(IMAGE_CHUNK_BYTES), what), content_type


def _read_at_most(chunks: Iterable[bytes], what: str) -> bytes:
    body: list[bytes] = []
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > MAX_IMAGE_BYTES:
            raise BadGateway(f"TMDb's {what} is over {MAX_IMAGE_BYTES} bytes")
        body.append(chunk)
    return b"".join(body)


def _parse(parse: Callable[[dict[str, Any]], Parsed], payload: dict[str, Any], what: str) -> Parsed:
    """Turn an answer of the wrong shape into a 502 that names TMDb, not a 500."""
    try:
        return parse(payload)
    except (KeyError, TypeError, ValueError) as error:
        raise BadGateway(f"TMDb answered {what} without the expected fields ({error!r})") from error
