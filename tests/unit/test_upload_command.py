"""`make upload` (devstack/upload.py) without servers: what is remembered for a resume,
what a resume sends, the progress line, following a transcode, and one-line errors."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import pytest

from devstack import upload
from devstack.upload import AdminApi, LocalFile, ProgressBar, UploadStore
from tests.support.network import free_port

PART = 5


class ScriptedApi(AdminApi):
    """Answers calls from a script of (method, path) -> body, recording what was asked."""

    def __init__(self, answers: dict[tuple[str, str], Any]) -> None:
        super().__init__("http://api.invalid")
        self.answers = answers
        self.calls: list[tuple[str, str, dict[str, Any] | None]] = []

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        self.calls.append((method, path, body))
        answer = self.answers[(method, path)]
        return answer.pop(0) if isinstance(answer, list) else answer


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def video(tmp_path: Path, size: int = 12) -> LocalFile:
    path = tmp_path / "my film.mp4"
    path.write_bytes(bytes(range(size)))
    return LocalFile.of(path)


def test_a_changed_file_is_another_upload(tmp_path: Path) -> None:
    before = video(tmp_path)
    os.utime(before.path, ns=(before.mtime_ns + 10**9, before.mtime_ns + 10**9))
    assert LocalFile.of(before.path).key != before.key
    assert LocalFile.of(before.path).key == LocalFile.of(before.path).key
    with pytest.raises(upload.UploadError, match="cannot read"):
        LocalFile.of(tmp_path / "missing.mp4")


def test_an_interrupted_upload_resumes_with_only_the_missing_parts(tmp_path: Path) -> None:
    file, store = video(tmp_path), UploadStore(tmp_path / "uploads.json")
    base = "/api/admin/videos/m1/upload"
    parts = [{"part_number": n, "url": f"https://s3/{n}"} for n in (1, 2, 3)]
    plan: dict[str, Any] = {"method": "MULTIPART", "key": "videos/m1/x", "upload_id": "u1",
                            "part_size": PART, "parts": parts}
    api = ScriptedApi({("POST", f"{base}/"): plan})
    sent: list[tuple[str, bytes]] = []

    def put_then_lose_connection(url: str, data: bytes, headers: dict[str, str]) -> str:
        if url.endswith("/2"):
            raise upload.UploadError("the storage endpoint does not answer")
        sent.append((url, data))
        return f'"etag-{url[-1]}"'

    with pytest.raises(upload.UploadError):
        upload.upload_file(api, file, "m1", store, ProgressBar(file.size, io.StringIO()),
                           put=put_then_lose_connection)
    assert store.get(file.key) == {"movie_id": "m1", "key": "videos/m1/x", "upload_id": "u1",
                                   "part_size": PART}

    resumed = {**plan, "done": [{"part_number": 1, "etag": '"etag-1"', "size": PART}],
               "parts": parts[1:]}
    api = ScriptedApi({("POST", f"{base}/resume/"): resumed, ("POST", f"{base}/complete/"): {}})
    sent.clear()
    err = io.StringIO()

    def put(url: str, data: bytes, headers: dict[str, str]) -> str:
        sent.append((url, data))
        return '"e"'

    upload.upload_file(api, file, "m1", store, ProgressBar(file.size, err), put=put)

    assert sent == [("https://s3/2", bytes(range(5, 10))), ("https://s3/3", bytes(range(10, 12)))]
    assert api.calls[0][2] == {"key": "videos/m1/x", "upload_id": "u1", "size": 12,
                               "part_size": PART}
    assert (api.calls[-1][2] or {})["parts"] == [{"part_number": 1, "etag": '"etag-1"'},
                                         {"part_number": 2, "etag": '"e"'},
                                         {"part_number": 3, "etag": '"e"'}]
    assert "resuming: 1 part(s)" in err.getvalue() and "100.0%" in err.getvalue()
    assert store.get(file.key) is None


def test_an_upload_s3_forgot_starts_again(tmp_path: Path) -> None:
    file, store = video(tmp_path), UploadStore(tmp_path / "uploads.json")
    store.put(file.key, {"movie_id": "m1", "key": "videos/m1/x", "upload_id": "gone",
                         "part_size": PART})
    base = "/api/admin/videos/m1/upload"

    class ForgettingApi(ScriptedApi):
        def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
            if path.endswith("/resume/"):
                raise upload.ApiRefusal(410, "Gone", "The upload was completed")
            return super().call(method, path, body)

    api = ForgettingApi({("POST", f"{base}/"): {"method": "PUT", "key": "videos/m1/y",
                                                "url": "https://s3/put", "headers": {}}})
    key = upload.upload_file(api, file, "m1", store, ProgressBar(file.size, io.StringIO()),
                             put=lambda url, data, headers: '"e"')

    assert key == "videos/m1/y" and store.get(file.key) is None


def test_the_progress_line_shows_percent_speed_and_time_left() -> None:
    clock = Clock()
    bar = ProgressBar(10_000_000, io.StringIO(), clock)
    bar.begin(0)
    clock.now = 2.0
    line = bar.line(4_000_000)
    assert " 40.0%" in line and "4.0/10.0 MB" in line and "2.0 MB/s" in line
    assert "3 s left" in line and line.startswith("[" + "#" * 12 + "-" * 18 + "]")


def test_following_prints_each_change_until_ready() -> None:
    movie = {"movie_id": "m1", "title": "T"}
    states = [
        {**movie, "status": "draft", "transcode": None},
        {**movie, "status": "processing", "transcode": {"state": "processing", "progress": 0.0}},
        {**movie, "status": "processing", "transcode": {"state": "processing", "progress": 50.0}},
        {**movie, "status": "processing", "transcode": {"state": "processing", "progress": 50.0}},
        {**movie, "status": "playable", "transcode": {"state": "processing", "progress": 80.0}},
        {**movie, "status": "ready", "transcode": None},
    ]
    api = ScriptedApi({("GET", "/api/video/m1/"): states})

    seen = [upload.describe(s) for s in upload.transcode_states(api, "m1", sleep=lambda _: None)]

    assert seen == ["draft", "processing: 0.0%", "processing: 50.0%", "playable: 80.0%", "ready"]


def test_a_transcode_over_before_the_first_look_is_done() -> None:
    """A short clip is ready a second after its upload: the first look already finds it
    ready, with no transcode under way; its `updated_at` tells it apart from before."""
    ready = {"movie_id": "m1", "title": "T", "status": "ready", "transcode": None,
             "updated_at": "2026-11-29T02:21:18Z"}
    api = ScriptedApi({("GET", "/api/video/m1/"): [ready]})

    states = upload.transcode_states(api, "m1", sleep=lambda _: None,
                                     clock=iter(range(0, 10_000, 10)).__next__,
                                     updated_before="2026-11-29T02:21:16Z")

    assert [upload.describe(s) for s in states] == ["ready"]


def test_a_failed_transcode_ends_the_following_with_its_reason() -> None:
    failed = {"movie_id": "m1", "status": "failed",
              "transcode": {"state": "failed", "reason": "no video stream"}}
    api = ScriptedApi({("GET", "/api/video/m1/"): [failed]})
    [last] = upload.transcode_states(api, "m1", sleep=lambda _: None)
    assert upload.describe(last) == "failed: no video stream"


def test_no_running_stack_is_one_line_and_no_traceback(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(upload.TOKEN_VARIABLE, "a token")
    out, err = io.StringIO(), io.StringIO()
    file = video(tmp_path)

    code = upload.main(["--file", str(file.path), "--api", f"http://127.0.0.1:{free_port()}",
                        "--state-file", str(tmp_path / "state.json")], out, err)

    assert code == 1
    assert err.getvalue().count("\n") == 1 and "is `make run` running?" in err.getvalue()
    assert "Traceback" not in err.getvalue()
