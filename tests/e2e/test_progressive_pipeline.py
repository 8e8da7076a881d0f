"""A movie that plays while it is transcoded, for real: upload -> dispatcher -> local
transcoder (real ffmpeg, its source read at TRANSCODE_READ_RATE x real time so that it is
still encoding) -> `playable` -> a native client plays the growing playlists through the
API -> `ready`. Uses `make run`'s processes on their own emulator."""

from __future__ import annotations

import re
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from chalicelib.core import envvars
from devstack.ffmpeg import ffmpeg_binary
from tests.support.dev_stack import DevStack, admin_token, running_dev_stack, wait_for

pytestmark = pytest.mark.e2e
PREFIX = "reelstack-progressive"
# The source's length is the encode's (read at real time) and so this test's wall time. The
# movie is playable after its first 2 s segments: the client that starts then still has
# most of the encode to catch up with and wait on, reloading the growing playlists.
SECONDS, FPS = 30, 15
READ_RATE = "1"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevStack]:
    log = tmp_path_factory.mktemp("progressive") / "make-run.log"
    root = Path(__file__).resolve().parents[2]
    with running_dev_stack(root, log, PREFIX, {envvars.TRANSCODE_READ_RATE: READ_RATE}) \
            as running:
        yield running


def make_source(path: Path) -> Path:
    """SECONDS at a low resolution (one 180p rung and the audio: cheap on 2 cores)."""
    subprocess.run([str(ffmpeg_binary()), "-v", "error", "-y",
                    "-f", "lavfi", "-i", f"testsrc2=size=320x180:rate={FPS}:duration={SECONDS}",
                    "-f", "lavfi", "-i", f"sine=frequency=440:duration={SECONDS}",
                    "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
                    "-c:a", "aac", "-shortest", str(path)], check=True, timeout=120)
    return path


def movie_titled(stack: DevStack, title: str) -> dict[str, Any]:
    """Test-side lookup (a Scan is fine here: no request path does it)."""
    items = stack.client("dynamodb").scan(TableName=f"{PREFIX}-movies")["Items"]
    return next((i for i in items if i.get("title", {}).get("S") == title), {})


def status_of(movie: dict[str, Any]) -> str | None:
    status = movie.get("status", {}).get("S")
    return str(status) if status else None


@dataclass(frozen=True)
class Track:
    """What ffmpeg's framecrc wrote for one stream: its time base and each frame's
    (pts, duration)."""

    time_base: tuple[int, int]
    frames: list[tuple[int, int]]

    def gaps(self) -> list[tuple[int, int]]:
        """Where a frame does not start where the one before ended (a gap, an overlap or
        a jump), as (expected pts, found pts)."""
        return [(pts + duration, following) for (pts, duration), (following, _)
                in zip(self.frames, self.frames[1:], strict=False)
                if following != pts + duration]

    def seconds(self) -> float:
        first, (last, duration) = self.frames[0][0], self.frames[-1]
        return (last + duration - first) * self.time_base[0] / self.time_base[1]


def tracks(framecrc: str) -> dict[int, Track]:
    time_bases = {int(m[1]): (int(m[2]), int(m[3]))
                  for m in re.finditer(r"^#tb (\d+): (\d+)/(\d+)$", framecrc, re.M)}
    frames: dict[int, list[tuple[int, int]]] = {stream: [] for stream in time_bases}
    for line in framecrc.splitlines():
        if line and not line.startswith("#"):
            stream, _, pts, duration, *_ = (part.strip() for part in line.split(","))
            frames[int(stream)].append((int(pts), int(duration)))
    return {stream: Track(time_bases[stream], frames[stream]) for stream in time_bases}


def play(master_url: str, output: Path) -> subprocess.Popen[bytes]:
    """A native client: ffmpeg reads the master through the API from the first segment
    (not the live edge: `-live_start_index 0`), reloading the growing playlists until
    #EXT-X-ENDLIST, and writes each decoded frame's timestamps."""
    command = [str(ffmpeg_binary()), "-v", "error", "-live_start_index", "0",
               "-i", master_url, "-map", "0:v:0", "-map", "0:a:0", "-fps_mode", "passthrough",
               "-f", "framecrc", str(output)]
    return subprocess.Popen(command, stderr=subprocess.PIPE)


@contextmanager
def watching(stack: DevStack, http: requests.Session, movie_id: str) -> Iterator[str]:
    """A watch session, kept alive by heartbeats as a player keeps it (the encode may
    outlast a lease); yields its master playlist URL."""
    started = http.post(f"{stack.api_url}/api/playback/start/", json={
        "movie_id": movie_id, "device_id": "ffmpeg-client"}, timeout=10)
    assert started.status_code == 201, started.text
    session, stopped = started.json()["watch_session_id"], threading.Event()

    def beat() -> None:
        while not stopped.wait(started.json()["heartbeat_interval"] / 2):
            http.post(f"{stack.api_url}/api/playback/heartbeat/", json={
                "watch_session_id": session, "position": 0}, timeout=10)

    heart = threading.Thread(target=beat, daemon=True)
    heart.start()
    try:
        yield str(started.json()["master_playlist_url"])
    finally:
        stopped.set()
        heart.join(timeout=15)


def media_url_of(http: requests.Session, master_url: str) -> str:
    """The video rendition's media playlist the master names (with its token)."""
    answer = http.get(master_url, timeout=10)
    assert answer.status_code == 200, answer.text
    return next(line for line in answer.text.splitlines()
                if line.startswith("http") and "/media.m3u8" in line and "/audio/" not in line)


def test_an_upload_plays_while_it_is_transcoded_and_ends_complete(
    stack: DevStack, tmp_path: Path
) -> None:
    title = "Slow Burn"
    source = make_source(tmp_path / "source.mp4")
    http = requests.Session()
    http.headers.update(admin_token(stack, "progressive@example.com", "a long passphrase"))
    http.post(f"{stack.api_url}/api/device/", json={"name": "ffmpeg", "device_type": "other",
                                                     "device_id": "ffmpeg-client"}, timeout=10)
    stack.client("s3").upload_file(str(source), f"{PREFIX}-uploads", f"videos/{title}.mp4")

    seen: list[str] = []

    def playable() -> bool:
        status = status_of(movie_titled(stack, title))
        if status and status not in seen[-1:]:
            seen.append(status)
        assert status not in ("ready", "failed"), f"{title} went {seen} without playable"
        return status == "playable"

    wait_for(playable, 180, f"{title} to become playable")
    movie = movie_titled(stack, title)
    movie_id = movie["movie_id"]["S"]
    assert "pending_version" in movie  # still being transcoded
    with watching(stack, http, movie_id) as master_url:
        growing = http.get(media_url_of(http, master_url), timeout=10).text
        client = play(master_url, tmp_path / "while-encoding.framecrc")
        detail = http.get(f"{stack.api_url}/api/video/{movie_id}/", timeout=10).json()

        assert "#EXT-X-PLAYLIST-TYPE:EVENT" in growing and "#EXT-X-ENDLIST" not in growing
        assert detail["status"] == "playable" and detail["progress"] < 100
        wait_for(lambda: status_of(movie_titled(stack, title)) in ("ready", "failed"), 300,
                 f"{title} to be transcoded")
        assert status_of(movie_titled(stack, title)) == "ready", movie_titled(stack, title)
        _, errors = client.communicate(timeout=180)
    assert client.returncode == 0, errors.decode()

    # The client that started at `playable` got every frame, with no gap or jump.
    played = tracks((tmp_path / "while-encoding.framecrc").read_text())
    for track in played.values():
        assert track.gaps() == []
        assert abs(track.seconds() - SECONDS) < 0.2, track.seconds()
    assert len(played[0].frames) == SECONDS * FPS

    # Once ready, the whole ladder decodes from start to end the same way.
    with watching(stack, http, movie_id) as master_url:
        ended = http.get(media_url_of(http, master_url), timeout=10).text
        final = play(master_url, tmp_path / "ready.framecrc")
        _, errors = final.communicate(timeout=180)
    assert final.returncode == 0, errors.decode()
    assert "#EXT-X-ENDLIST" in ended
    again = tracks((tmp_path / "ready.framecrc").read_text())
    assert [len(t.frames) for t in again.values()] == [len(t.frames) for t in played.values()]
    assert all(track.gaps() == [] for track in again.values())
