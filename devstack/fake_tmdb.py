"""A fake TMDb on loopback: the v3 API the catalogue reads and the image CDN it copies from.

    with FakeTmdb() as tmdb:
        tmdb.add_movie(603, "The Matrix", year=1999, cast=[("Keanu Reeves", "Neo")])
        client = TmdbClient(tmdb.settings())

Answers have TMDb's shapes (`/movie/{id}` honours `append_to_response=credits,release_dates`,
`/search/movie`, `{"status_code": 34, ...}` errors). Posters are served as real JPEGs and
backdrops as real PNGs, so both content types are exercised. Every request is recorded in
`.requests`; `fail_next`, `stall_next` and `answer_next` make the next requests fail, hang
or answer nonsense.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import re
import socket
import struct
import threading
import zlib
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from chalicelib.core import envvars
from chalicelib.core.settings import Settings

API_PREFIX = "/3"
IMAGE_PREFIX = "/t/p"
JSON_TYPE = "application/json;charset=utf-8"

# An 8x8 JPEG made by ffmpeg: small, but any decoder accepts it.
TINY_JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010200000100010000fffe000f4c61766336332e312e31303200ffdb004300083e"
    "3e493e49555555555555645d6468686864646464686868707070838383707070686870707c7c83838f938f87"
    "87838793939b9b9bbabab2b2d9d9e0ffffffffc4004d00010100000000000000000000000000000006010101"
    "0100000000000000000000000000000506100100000000000000000000000000000000110100000000000000"
    "000000000000000000ffc00011080008000803011200021200031200ffda000c03010002110311003f009b1a"
    "21047fffd9"
)

NOT_FOUND = {
    "status_code": 34,
    "status_message": "The resource you requested could not be found.",
    "success": False,
}
INVALID_API_KEY = {
    "status_code": 7,
    "status_message": "Invalid API key: You must be granted a valid key.",
    "success": False,
}
RATE_LIMITED = {
    "status_code": 25,
    "status_message": "Your request count (#) is over the allowed limit of (40).",
    "success": False,
}
INTERNAL_ERROR = {
    "status_code": 11,
    "status_message": "Internal error: Something went wrong, contact TMDb.",
    "success": False,
}

GENRE_IDS = {
    "Action": 28, "Adventure": 12, "Animation": 16, "Comedy": 35, "Crime": 80,
    "Documentary": 99, "Drama": 18, "Family": 10751, "Fantasy": 14, "History": 36,
    "Horror": 27, "Music": 10402, "Mystery": 9648, "Romance": 10749,
    "Science Fiction": 878, "TV Movie": 10770, "Thriller": 53, "War": 10752, "Western": 37,
}
DEPARTMENTS = {
    "Director": "Directing", "Screenplay": "Writing", "Writer": "Writing", "Story": "Writing",
    "Novel": "Writing", "Producer": "Production", "Executive Producer": "Production",
    "Original Music Composer": "Sound",
}


def tiny_png(width: int = 8, height: int = 8, rgb: tuple[int, int, int] = (51, 102, 153)) -> bytes:
    """A valid truecolour PNG of one colour."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        checksum = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", checksum)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = (b"\x00" + bytes(rgb) * width) * height
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(pixels)) + chunk(b"IEND", b""))


TINY_PNG = tiny_png()


@dataclass(frozen=True)
class RecordedRequest:
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # names lower-cased


@dataclass(frozen=True)
class FakeImage:
    body: bytes
    content_type: str
    repeat: int = 1  # the body is sent this many times, so a huge image costs little memory
    send_length: bool = True


@dataclass(frozen=True)
class _Fault:
    """What to do instead of answering one request normally."""

    status: int = 500
    body: bytes | None = None  # None: TMDb's JSON error for `status`
    content_type: str = JSON_TYPE
    retry_after: int | None = None
    stall_seconds: float = 0.0  # > 0: hold the request that long, then answer it normally


class _Server(ThreadingHTTPServer):
    # Stalled handlers must not hold up stop(): they are daemons and nobody waits for them.
    daemon_threads = True
    block_on_close = False

    def __init__(self, fake: FakeTmdb) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as requests' sessions expect
    # Headers and body go out in two writes; without this, Nagle costs ~40 ms a request.
    disable_nagle_algorithm = True
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.fake._connections.add(self.connection)

    def finish(self) -> None:
        self.server.fake._connections.discard(self.connection)
        super().finish()

    def do_GET(self) -> None:
        try:
            self.server.fake._serve(self)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (a timeout test): expected

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests read `.requests` instead."""


class FakeTmdb:
    def __init__(self, api_key: str | None = None) -> None:
        """`api_key`: a v3 key or a v4 token the fake insists on; None accepts anything."""
        self.api_key = api_key
        self.requests: list[RecordedRequest] = []
        self.movies: dict[int, dict[str, Any]] = {}
        self.images: dict[str, FakeImage] = {}
        self._people: dict[str, int] = {}
        self._faults: deque[_Fault] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def __enter__(self) -> FakeTmdb:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def start(self) -> None:
        self._stopping.clear()
        self._server = _Server(self)
        self._thread = threading.Thread(
            # A short poll, so stop() (which waits for the next poll) is quick in every test.
            target=self._server.serve_forever, args=(0.01,), name="fake-tmdb", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        if self._server is None:
            return
        self._stopping.set()
        self._server.shutdown()
        for connection in list(self._connections):  # idle keep-alives and stalled answers
            with contextlib.suppress(OSError):  # the peer may already be gone
                connection.shutdown(socket.SHUT_RDWR)
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeTmdb is not started: use it as a context manager")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}{API_PREFIX}"

    @property
    def image_url(self) -> str:
        return f"{self.base_url}{IMAGE_PREFIX}"

    def settings(self, base: Settings | None = None, *, api_key: str | None = None) -> Settings:
        """`base` (default: built from an empty environment) pointed at this fake.

        `api_key` defaults to the one the fake insists on, or none.
        """
        key = (self.api_key or "") if api_key is None else api_key
        return dataclasses.replace(
            base or Settings.from_env({}),
            tmdb_api_url=self.api_url,
            tmdb_image_url=self.image_url,
            tmdb_api_key=key,
        )

    def environ(self) -> dict[str, str]:
        """The environment variables that point the app at this fake."""
        return {
            envvars.TMDB_API_URL: self.api_url,
            envvars.TMDB_IMAGE_URL: self.image_url,
            envvars.TMDB_API_KEY: self.api_key or "",
        }

    # -- the catalogue ---------------------------------------------------------------------

    def add_movie(
        self,
        tmdb_id: int,
        title: str = "The Matrix",
        *,
        year: int | None = 1999,
        genres: Sequence[str] = ("Action", "Science Fiction"),
        cast: Sequence[tuple[str, str]] = (),
        directors: Sequence[str] = (),
        crew: Sequence[tuple[str, str]] = (),
        certification: str | None = "PG-13",
        runtime: int | None = 136,
        overview: str = "A hacker learns what the world really is.",
        original_language: str = "en",
        poster: bool = True,
        backdrop: bool = True,
    ) -> dict[str, Any]:
        """Add a movie; the JSON it returns is what the fake serves, so a test may edit it.

        `cast` is `(name, character)` in billing order; `crew` is `(name, job)`, e.g.
        `("Lana Wachowski", "Screenplay")`.
        """
        poster_path = f"/poster-{tmdb_id}.jpg" if poster else None
        backdrop_path = f"/backdrop-{tmdb_id}.png" if backdrop else None
        if poster_path:
            self.add_image(poster_path, TINY_JPEG, "image/jpeg")
        if backdrop_path:
            self.add_image(backdrop_path, TINY_PNG, "image/png")
        movie = {
            "adult": False,
            "backdrop_path": backdrop_path,
            "belongs_to_collection": None,
            "budget": 63000000,
            "genres": [{"id": GENRE_IDS.get(name, 10000 + i), "name": name}
                       for i, name in enumerate(genres)],
            "homepage": "",
            "id": tmdb_id,
            "imdb_id": f"tt{tmdb_id:07d}",
            "original_language": original_language,
            "original_title": title,
            "overview": overview,
            "popularity": 42.5,
            "poster_path": poster_path,
            "production_companies": [],
            "production_countries": [{"iso_3166_1": "US", "name": "United States of America"}],
            "release_date": f"{year}-03-31" if year else "",
            "revenue": 463517383,
            "runtime": runtime,
            "spoken_languages": [{"english_name": "English", "iso_639_1": "en", "name": "English"}],
            "status": "Released",
            "tagline": "",
            "title": title,
            "video": False,
            "vote_average": 8.2,
            "vote_count": 25000,
            "credits": {
                "cast": [self._cast_member(name, character, order)
                         for order, (name, character) in enumerate(cast)],
                "crew": [self._crew_member(name, job)
                         for name, job in [*((d, "Director") for d in directors), *crew]],
            },
            "release_dates": {"results": _release_dates(year, certification)},
        }
        self.movies[tmdb_id] = movie
        return movie

    def add_image(
        self,
        path: str,
        body: bytes = TINY_JPEG,
        content_type: str = "image/jpeg",
        *,
        repeat: int = 1,
        send_length: bool = True,
    ) -> None:
        """Serve `body` (sent `repeat` times) at `{image_url}/{any size}{path}`."""
        self.images[path] = FakeImage(body, content_type, repeat, send_length)

    def person_id(self, name: str) -> int:
        """The id the fake gives a person: the same in every movie, cast or crew."""
        with self._lock:
            return self._people.setdefault(name, 1000 + len(self._people))

    # -- faults ----------------------------------------------------------------------------

    def fail_next(self, n: int, status: int = 500, retry_after: int | None = None) -> None:
        """Answer the next `n` requests with `status` (and a Retry-After header if given)."""
        with self._lock:
            self._faults.extend(_Fault(status=status, retry_after=retry_after) for _ in range(n))

    def stall_next(self, n: int, seconds: float) -> None:
        """Hold each of the next `n` requests for `seconds` before answering it normally."""
        with self._lock:
            self._faults.extend(_Fault(stall_seconds=seconds) for _ in range(n))

    def answer_next(
        self, n: int, body: bytes, content_type: str = "text/html", status: int = 200
    ) -> None:
        """Answer the next `n` requests with this raw body (a proxy's page, broken JSON)."""
        with self._lock:
            self._faults.extend(_Fault(status, body, content_type) for _ in range(n))

    def requests_to(self, path_prefix: str) -> list[RecordedRequest]:
        return [request for request in self.requests if request.path.startswith(path_prefix)]

    # -- serving ---------------------------------------------------------------------------

    def _serve(self, handler: _Handler) -> None:
        url = urlsplit(handler.path)
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        headers = {name.lower(): value for name, value in handler.headers.items()}
        with self._lock:
            self.requests.append(RecordedRequest(url.path, query, headers))
            fault = self._faults.popleft() if self._faults else None
        if fault is not None and fault.stall_seconds > 0:
            self._stopping.wait(fault.stall_seconds)
        elif fault is not None:
            _send_fault(handler, fault)
            return
        if url.path.startswith(f"{IMAGE_PREFIX}/"):
            self._serve_image(handler, url.path.removeprefix(IMAGE_PREFIX))
        elif url.path.startswith(f"{API_PREFIX}/"):
            status, body = self._answer_api(url.path.removeprefix(API_PREFIX), query, headers)
            _send_json(handler, status, body)
        else:
            _send_json(handler, 404, NOT_FOUND)

    def _answer_api(
        self, route: str, query: dict[str, str], headers: dict[str, str]
    ) -> tuple[int, dict[str, Any]]:
        if not self._authorised(query, headers):
            return 401, INVALID_API_KEY
        if route == "/search/movie":
            return 200, self._search(query.get("query", ""), query.get("year"))
        found = re.fullmatch(r"/movie/(\d+)", route)
        movie = self.movies.get(int(found.group(1))) if found else None
        if movie is None:
            return 404, NOT_FOUND
        appended = set(query.get("append_to_response", "").split(","))
        return 200, {k: v for k, v in movie.items()
                     if k not in ("credits", "release_dates") or k in appended}

    def _authorised(self, query: dict[str, str], headers: dict[str, str]) -> bool:
        if self.api_key is None:
            return True
        return (query.get("api_key") == self.api_key
                or headers.get("authorization") == f"Bearer {self.api_key}")

    def _search(self, text: str, year: str | None) -> dict[str, Any]:
        wanted = text.strip().casefold()
        results = [
            _search_result(movie) for movie in self.movies.values()
            if wanted and wanted in movie["title"].casefold()
            and (not year or movie["release_date"].startswith(f"{year}-"))
        ]
        return {"page": 1, "results": results, "total_pages": 1 if results else 0,
                "total_results": len(results)}

    def _serve_image(self, handler: _Handler, sized_path: str) -> None:
        _size, _, rest = sized_path.lstrip("/").partition("/")
        image = self.images.get(f"/{rest}")
        if image is None:
            _send_json(handler, 404, NOT_FOUND)
            return
        handler.send_response(200)
        handler.send_header("Content-Type", image.content_type)
        if image.send_length:
            handler.send_header("Content-Length", str(len(image.body) * image.repeat))
        else:  # the body ends when the connection does, as some CDNs still answer
            handler.send_header("Connection", "close")
            handler.close_connection = True
        handler.end_headers()
        for _ in range(image.repeat):
            handler.wfile.write(image.body)

    def _cast_member(self, name: str, character: str, order: int) -> dict[str, Any]:
        return {**self._person(name, "Acting"), "cast_id": order + 1, "character": character,
                "credit_id": f"credit-cast-{self.person_id(name)}-{order}", "order": order}

    def _crew_member(self, name: str, job: str) -> dict[str, Any]:
        department = DEPARTMENTS.get(job, "Crew")
        return {**self._person(name, department), "department": department, "job": job,
                "credit_id": f"credit-crew-{self.person_id(name)}-{job.replace(' ', '-')}"}

    def _person(self, name: str, department: str) -> dict[str, Any]:
        return {"adult": False, "gender": 0, "id": self.person_id(name),
                "known_for_department": department, "name": name, "original_name": name,
                "popularity": 5.0, "profile_path": None}


def _release_dates(year: int | None, certification: str | None) -> list[dict[str, Any]]:
    date = f"{year or 2000}-03-31T00:00:00.000Z"

    def release(kind: int, rating: str) -> dict[str, Any]:
        return {"certification": rating, "descriptors": [], "iso_639_1": "", "note": "",
                "release_date": date, "type": kind}

    # A country without a rating comes first, as TMDb's order is not the US first.
    return [
        {"iso_3166_1": "BR", "release_dates": [release(3, "")]},
        {"iso_3166_1": "US", "release_dates": [release(1, ""), release(3, certification or "")]},
    ]


def _search_result(movie: dict[str, Any]) -> dict[str, Any]:
    shown = ("adult", "backdrop_path", "id", "original_language", "original_title", "overview",
             "popularity", "poster_path", "release_date", "title", "video", "vote_average",
             "vote_count")
    genre_ids = [genre["id"] for genre in movie["genres"]]
    return {**{key: movie[key] for key in shown}, "genre_ids": genre_ids}


def _send_json(handler: _Handler, status: int, body: dict[str, Any]) -> None:
    _send(handler, status, json.dumps(body).encode(), JSON_TYPE)


def _send_fault(handler: _Handler, fault: _Fault) -> None:
    error = RATE_LIMITED if fault.status == 429 else INTERNAL_ERROR
    body = json.dumps(error).encode() if fault.body is None else fault.body
    retry_after = {} if fault.retry_after is None else {"Retry-After": str(fault.retry_after)}
    _send(handler, fault.status, body, fault.content_type, retry_after)


def _send(handler: _Handler, status: int, body: bytes, content_type: str,
          extra_headers: dict[str, str] | None = None) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    for name, value in (extra_headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)
