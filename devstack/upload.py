"""`make upload FILE=... [MOVIE=id | TITLE=...]`: upload a video through the presigned
API, resume an interrupted multipart upload, then follow the transcode until the movie
plays, and print its watch URL.

Credentials: an access token in REELSTACK_TOKEN, or the admin's address (EMAIL=, or
REELSTACK_ADMIN_EMAIL) and a password typed at the prompt; never a password on the
command line. A multipart upload is remembered in `.devstack/uploads.json`, keyed by the
file's path, size and modification time: running the same command again sends only the
parts S3 does not hold yet.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

import requests

from devstack.environment import STATE_DIR
from devstack.stack_state import StackState

TOKEN_VARIABLE = "REELSTACK_TOKEN"
EMAIL_VARIABLE = "REELSTACK_ADMIN_EMAIL"
DEFAULT_API = "http://127.0.0.1:8000"
DEFAULT_WEB = "http://127.0.0.1:8080"
POLL_SECONDS = 2.0
TIMEOUT = 30
NOT_STARTED_SECONDS = 120  # an upload's transcode normally starts within seconds


class UploadError(Exception):
    """What went wrong, in one line for the operator."""


# ---------------------------------------------------------------------------- the API
class AdminApi:
    """The API as an admin calls it: Bearer tokens, refreshed once when they expire."""

    def __init__(self, base: str, http: requests.Session | None = None) -> None:
        self.base = base.rstrip("/")
        self.http = http or requests.Session()
        self.access: str | None = None
        self.refresh: str | None = None

    def sign_in(self, email: str, password: str) -> None:
        body = self._answer(self._send("POST", "/auth/login/",
                                       {"email": email, "password": password}))
        self.access, self.refresh = body["access"], body["refresh"]

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self._send(method, path, body)
        if response.status_code == 401 and self.refresh and _code(response) == "TokenExpired":
            tokens = self._answer(self._send("POST", "/auth/token/refresh/",
                                             {"refresh": self.refresh}))
            self.access, self.refresh = tokens["access"], tokens["refresh"]
            response = self._send(method, path, body)
        return self._answer(response)

    def _send(self, method: str, path: str, body: dict[str, Any] | None) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.access}"} if self.access else {}
        try:
            return self.http.request(method, f"{self.base}{path}", json=body, headers=headers,
                                     timeout=TIMEOUT)
        except requests.ConnectionError:
            raise UploadError(f"the API at {self.base} does not answer: is `make run` "
                              "running?") from None

    @staticmethod
    def _answer(response: requests.Response) -> Any:
        if response.ok:
            return response.json() if response.content else None
        try:
            message = response.json().get("Message") or response.text
        except ValueError:
            message = response.text
        raise ApiRefusal(response.status_code, _code(response), str(message).strip()[:300])


class ApiRefusal(UploadError):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"the API answered {status}: {message}")
        self.status, self.code = status, code


def _code(response: requests.Response) -> str:
    try:
        return str(response.json().get("Code") or "")
    except (ValueError, AttributeError):
        return ""


# ---------------------------------------------------------------------------- resume state
@dataclass(frozen=True)
class LocalFile:
    path: Path
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, path: Path) -> LocalFile:
        resolved = path.expanduser().resolve()
        try:
            stat = resolved.stat()
        except OSError as error:
            raise UploadError(f"cannot read {path}: {error.strerror}") from None
        if not resolved.is_file() or stat.st_size == 0:
            raise UploadError(f"{path} is not a file with a video in it")
        return cls(resolved, stat.st_size, stat.st_mtime_ns)

    @property
    def key(self) -> str:
        """Another file, or this one changed, is another upload."""
        return f"{self.path}|{self.size}|{self.mtime_ns}"

    def read(self, start: int, length: int) -> bytes:
        with self.path.open("rb") as source:
            source.seek(start)
            return source.read(length)


class UploadStore:
    """Unfinished multipart uploads, by file key, in one small JSON file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _all(self) -> dict[str, dict[str, Any]]:
        try:
            loaded = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}
        return loaded if isinstance(loaded, dict) else {}

    def get(self, key: str) -> dict[str, Any] | None:
        return self._all().get(key)

    def put(self, key: str, state: dict[str, Any] | None) -> None:
        everything = self._all()
        if state is None:
            everything.pop(key, None)
        else:
            everything[key] = state
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_suffix(".partial")
        partial.write_text(json.dumps(everything, indent=1))
        os.replace(partial, self.path)


# ---------------------------------------------------------------------------- progress
class ProgressBar:
    """One line on stderr, redrawn in place on a terminal; a line per part elsewhere."""

    def __init__(self, total: int, out: TextIO, clock: Callable[[], float] = time.monotonic
                 ) -> None:
        self.total, self.out, self.clock = total, out, clock
        self.started, self.start_bytes = clock(), 0
        self.tty = out.isatty()

    def begin(self, already: int) -> None:
        self.started, self.start_bytes = self.clock(), already

    def line(self, done: int) -> str:
        elapsed = max(self.clock() - self.started, 1e-6)
        speed = (done - self.start_bytes) / elapsed
        left = f"{(self.total - done) / speed:.0f} s left" if speed > 0 else "estimating"
        width = 30
        filled = int(width * done / self.total) if self.total else width
        return (f"[{'#' * filled}{'-' * (width - filled)}] {100 * done / self.total:5.1f}% "
                f"{done / 1e6:.1f}/{self.total / 1e6:.1f} MB  {speed / 1e6:.1f} MB/s  {left}")

    def show(self, done: int, note: str = "") -> None:
        text = self.line(done) + (f"  {note}" if note else "")
        self.out.write(f"\r{text}\x1b[K" if self.tty else f"{text}\n")
        self.out.flush()

    def finish(self) -> None:
        if self.tty:
            self.out.write("\n")


# ---------------------------------------------------------------------------- the upload
Put = Callable[[str, bytes, dict[str, str]], str]


def put_bytes(url: str, data: bytes, headers: dict[str, str]) -> str:
    """PUT to a presigned URL; the ETag S3 answered."""
    try:
        response = requests.put(url, data=data, headers=headers, timeout=300)
    except requests.ConnectionError:
        raise UploadError("the storage endpoint does not answer: is `make run` running?") \
            from None
    if not response.ok:
        raise UploadError(f"storage refused a part ({response.status_code}): "
                          f"{response.text[:200]}")
    return str(response.headers.get("ETag", ""))


def upload_file(api: AdminApi, file: LocalFile, movie_id: str, store: UploadStore,
                bar: ProgressBar, *, put: Put = put_bytes) -> str:
    """Upload (or resume uploading) `file` as `movie_id`'s video; returns the object key."""
    saved = store.get(file.key)
    plan = _resume(api, file, saved, store) if saved and saved["movie_id"] == movie_id else None
    base = f"/api/admin/videos/{movie_id}/upload"
    if plan is None:
        plan = api.call("POST", f"{base}/", {"filename": file.path.name, "size": file.size,
                                             "content_type": _content_type(file.path)})
    if plan["method"] == "PUT":
        bar.begin(0)
        put(plan["url"], file.read(0, file.size), plan.get("headers") or {})
        bar.show(file.size)
        bar.finish()
        return str(plan["key"])
    store.put(file.key, {"movie_id": movie_id, "key": plan["key"],
                         "upload_id": plan["upload_id"], "part_size": plan["part_size"]})
    done = {int(p["part_number"]): (str(p["etag"]), int(p["size"])) for p in plan.get("done", [])}
    sent = sum(size for _, size in done.values())
    bar.begin(sent)
    if done:
        bar.show(sent, f"resuming: {len(done)} part(s) were uploaded before")
    part_size, parts = int(plan["part_size"]), len(done) + len(plan["parts"])
    for part in plan["parts"]:
        number = int(part["part_number"])
        data = file.read((number - 1) * part_size, part_size)
        done[number] = (put(part["url"], data, {}), len(data))
        sent += len(data)
        bar.show(sent, f"part {number} of {parts} uploaded")
    bar.finish()
    api.call("POST", f"{base}/complete/", {
        "key": plan["key"], "upload_id": plan["upload_id"],
        "parts": [{"part_number": n, "etag": etag} for n, (etag, _) in sorted(done.items())]})
    store.put(file.key, None)
    return str(plan["key"])


def _resume(api: AdminApi, file: LocalFile, saved: dict[str, Any],
            store: UploadStore) -> dict[str, Any] | None:
    try:
        return dict(api.call("POST", f"/api/admin/videos/{saved['movie_id']}/upload/resume/", {
            "key": saved["key"], "upload_id": saved["upload_id"], "size": file.size,
            "part_size": saved["part_size"]}))
    except ApiRefusal as refusal:
        if refusal.status not in (400, 410):
            raise
        store.put(file.key, None)  # S3 forgot it (completed, aborted, expired): start anew
        return None


def _content_type(path: Path) -> str:
    return {".mov": "video/quicktime", ".mkv": "video/x-matroska", ".webm": "video/webm",
            ".avi": "video/x-msvideo"}.get(path.suffix.lower(), "video/mp4")


# ---------------------------------------------------------------------------- following
def transcode_states(api: AdminApi, movie_id: str, sleep: Callable[[float], None] = time.sleep,
                     clock: Callable[[], float] = time.monotonic, *,
                     updated_before: str | None = None) -> Iterator[dict[str, Any]]:
    """The movie as the API shows it, each time it changes, until it is ready or failed.
    `updated_before`: its `updated_at` before the upload, so that a transcode over before
    the first look (a short clip takes a second) still counts as done."""
    last, began, working = None, clock(), False
    while True:
        movie = api.call("GET", f"/api/video/{movie_id}/")
        transcode = movie.get("transcode") or {}
        changed = updated_before is not None and movie.get("updated_at") != updated_before
        working = working or bool(transcode) or movie["status"] not in ("draft", "ready") \
            or (changed and movie["status"] == "ready")
        shown = (movie["status"], transcode.get("progress"), transcode.get("state"))
        if shown != last:
            last = shown
            yield movie
        if movie["status"] == "failed" or transcode.get("state") == "failed":
            return
        if working and movie["status"] == "ready" and not transcode:
            return
        if not working and clock() - began > NOT_STARTED_SECONDS:
            raise UploadError(f"no transcode started within {NOT_STARTED_SECONDS} s: is the "
                              "dispatcher of `make run` running?")
        sleep(POLL_SECONDS)


def describe(movie: dict[str, Any]) -> str:
    transcode = movie.get("transcode") or {}
    if movie["status"] == "failed" or transcode.get("state") == "failed":
        return f"failed: {transcode.get('reason') or 'the transcode failed'}"
    if transcode.get("state") == "processing":
        stage = transcode.get("stage")
        return (f"{movie['status']}: {float(transcode.get('progress') or 0):.1f}%"
                + (f" ({stage})" if stage else ""))
    return str(movie["status"])


# ---------------------------------------------------------------------------- the command
def running_stack_urls() -> tuple[str, str]:
    """The API and web player of the `make run` recorded in .devstack/, else the defaults."""
    for _, record in StackState(STATE_DIR).records():
        if record.owner.running():
            host = urlsplit(record.api_url).hostname or "127.0.0.1"
            web = f"http://{host}:{record.ports[1]}" if len(record.ports) > 1 else DEFAULT_WEB
            return record.api_url, web
    return DEFAULT_API, DEFAULT_WEB


def signed_in_api(base: str, email: str | None,
                  ask_password: Callable[[str], str] = getpass.getpass) -> AdminApi:
    api = AdminApi(base)
    api.call("GET", "/api/health/")  # a stack that is not running says so before a prompt
    token = os.environ.get(TOKEN_VARIABLE)
    if token:
        api.access = token
        return api
    address = email or os.environ.get(EMAIL_VARIABLE)
    if not address:
        raise UploadError(f"say who you are: EMAIL=<admin address> (a password is asked), "
                          f"or an access token in {TOKEN_VARIABLE}")
    api.sign_in(address, ask_password(f"Password for {address}: "))
    return api


def choose_movie(api: AdminApi, file: LocalFile, movie: str | None, title: str | None,
                 store: UploadStore) -> dict[str, Any]:
    if movie:
        return dict(api.call("GET", f"/api/video/{movie}/"))
    saved = store.get(file.key)
    if saved:  # the same command again: the movie the interrupted upload made or named
        return dict(api.call("GET", f"/api/video/{saved['movie_id']}/"))
    name = title or file.path.stem.replace("_", " ").replace(".", " ").strip() or "Untitled"
    return dict(api.call("POST", "/api/admin/videos/", {"title": name[:300]}))


def main(argv: list[str] | None = None, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--file", required=True, type=Path)
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--movie", help="the movie's id or number (default: a new movie)")
    target.add_argument("--title", help="the new movie's title (default: from the file name)")
    parser.add_argument("--email", help="the admin's address (the password is asked)")
    parser.add_argument("--api", help="the API's URL (default: the running make run's)")
    parser.add_argument("--web-url", help="the web player's URL, for the watch link")
    parser.add_argument("--state-file", type=Path, default=STATE_DIR / "uploads.json")
    parser.add_argument("--no-follow", action="store_true", help="stop once uploaded")
    args = parser.parse_args(argv)
    found_api, found_web = running_stack_urls()
    api_url, web_url = args.api or found_api, (args.web_url or found_web).rstrip("/")
    store = UploadStore(args.state_file)
    try:
        file = LocalFile.of(args.file)
        api = signed_in_api(api_url, args.email)
        movie = choose_movie(api, file, args.movie, args.title, store)
        print(f"uploading {file.path.name} ({file.size / 1e6:.1f} MB) to "
              f"“{movie['title']}” ({movie['movie_id']})", file=out, flush=True)
        upload_file(api, file, movie["movie_id"], store, ProgressBar(file.size, err))
        print("uploaded: transcoding starts shortly", file=out, flush=True)
        if args.no_follow:
            return 0
        for state in transcode_states(api, movie["movie_id"],
                                      updated_before=movie.get("updated_at")):
            print(describe(state), file=out, flush=True)
            if describe(state).startswith("failed"):
                return 1
        print(f"ready: {web_url}/watch/{movie['movie_id']}", file=out, flush=True)
        return 0
    except UploadError as error:
        print(f"{_fresh_line(err)}error: {error}", file=err)
        return 1
    except KeyboardInterrupt:
        print(f"{_fresh_line(err)}interrupted: run the same command again to resume the upload",
              file=err)
        return 130


def _fresh_line(err: TextIO) -> str:
    return "\n" if err.isatty() else ""  # below a progress bar drawn in place


if __name__ == "__main__":
    sys.exit(main())
