"""Upload to HLS for real: S3 event -> dispatcher -> local transcoder (real ffmpeg) ->
transcode-events -> catalog. Uses `make run`'s processes on their own emulator."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
import requests

from devstack.ffmpeg import ffmpeg_binary
from tests.support.dev_stack import (
    DevStack,
    command_lines,
    decode_to_the_end,
    running_dev_stack,
    wait_for,
)

pytestmark = pytest.mark.e2e
PREFIX = "reelstack-hls"


@pytest.fixture(scope="module")
def stack(project_root_module: Path, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[DevStack]:
    log = tmp_path_factory.mktemp("hls") / "make-run.log"
    with running_dev_stack(project_root_module, log, PREFIX) as running:
        yield running


@pytest.fixture(scope="module")
def project_root_module() -> Path:
    return Path(__file__).resolve().parents[2]


def make_clip(path: Path, *, size: str, seconds: int, audio: bool = True) -> Path:
    ffmpeg = ffmpeg_binary()
    assert ffmpeg, "ffmpeg is required (make installs imageio-ffmpeg)"
    inputs = ["-f", "lavfi", "-i", f"testsrc2=size={size}:rate=25:duration={seconds}"]
    if audio:
        inputs += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}"]
    subprocess.run([ffmpeg, "-v", "error", "-y", *inputs, "-c:v", "libx264", "-preset",
                    "ultrafast", "-pix_fmt", "yuv420p", *(["-c:a", "aac"] if audio else []),
                    "-shortest", str(path)], check=True, timeout=60)
    return path


def upload(stack: DevStack, path: Path, key: str) -> None:
    stack.client("s3").upload_file(str(path), f"{PREFIX}-uploads", key)


def movie_titled(stack: DevStack, title: str) -> dict[str, Any] | None:
    """Test-side lookup (a Scan is fine here: no request path does it)."""
    items = stack.client("dynamodb").scan(TableName=f"{PREFIX}-movies")["Items"]
    found = [i for i in items if i.get("title", {}).get("S") == title]  # not the counter item
    return found[0] if found else None


def settled(stack: DevStack, title: str, timeout: float = 150) -> dict[str, Any]:
    outcome: dict[str, Any] = {}

    def done() -> bool:
        movie = movie_titled(stack, title)
        if movie and movie["status"]["S"] in ("ready", "failed") \
                and "pending_version" not in movie:
            outcome.update(movie)
            return True
        return False

    wait_for(done, timeout, f"{title!r} to be transcoded")
    return outcome


def media(stack: DevStack, key: str) -> bytes:
    body = stack.client("s3").get_object(Bucket=f"{PREFIX}-media", Key=key)["Body"]
    return bytes(body.read())


def decodes(data: bytes, suffix: str, tmp_path: Path) -> bool:
    segment = tmp_path / f"segment{suffix}"
    segment.write_bytes(data)
    result = subprocess.run([str(ffmpeg_binary()), "-v", "error", "-i", str(segment), "-f",
                             "null", "-"], capture_output=True, timeout=60, check=False)
    return result.returncode == 0 and not result.stderr


def test_an_upload_becomes_an_hls_ladder(stack: DevStack, tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "clip.mp4", size="1280x720", seconds=6)
    upload(stack, clip, "videos/Big Buck Test.mp4")

    movie = settled(stack, "Big Buck Test")

    assert movie["status"]["S"] == "ready", movie.get("status_reason")
    master_key = movie["master_playlist_key"]["S"]
    master = media(stack, master_key).decode()
    assert "RESOLUTION=1280x720" in master and "x480" in master and "x1080" not in master
    assert "CODECS=" in master and "BANDWIDTH=" in master
    base = master_key.rsplit("/", 1)[0]
    for rendition in movie["renditions"]["L"]:
        playlist_key = rendition["M"]["playlist_key"]["S"]
        playlist = media(stack, playlist_key).decode()
        segments = [line for line in playlist.splitlines() if line and not line.startswith("#")]
        assert segments
        durations = [float(line.split(":")[1].rstrip(",")) for line in playlist.splitlines()
                     if line.startswith("#EXTINF")]
        assert max(durations) <= 6.5
        folder = playlist_key.rsplit("/", 1)[0]
        init = [line.split('URI="')[1].split('"')[0] for line in playlist.splitlines()
                if line.startswith("#EXT-X-MAP")]
        prefix = media(stack, f"{folder}/{init[0]}") if init else b""
        for segment in segments:
            data = prefix + media(stack, f"{folder}/{segment}")
            assert decodes(data, Path(segment).suffix or ".ts", tmp_path), segment
    thumbnail = media(stack, movie["thumbnail_url"]["S"])
    assert thumbnail[:3] == b"\xff\xd8\xff"
    assert base.startswith(f"videos/{movie['movie_id']['S']}/")


def test_a_duplicate_event_starts_nothing(stack: DevStack, tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "dup.mp4", size="640x360", seconds=2, audio=False)
    upload(stack, clip, "videos/Twice Told.mp4")
    movie = settled(stack, "Twice Told")
    movie_id = movie["movie_id"]["S"]
    sqs = stack.client("sqs")
    queue = sqs.get_queue_url(QueueName=f"{PREFIX}-transcode-jobs")["QueueUrl"]
    source_key = movie["source_key"]["S"]
    head = stack.client("s3").head_object(Bucket=f"{PREFIX}-uploads", Key=source_key)
    duplicate = {"Records": [{"eventName": "ObjectCreated:Put", "s3": {
        "bucket": {"name": f"{PREFIX}-uploads"},
        "object": {"key": source_key.replace(" ", "+"), "size": head["ContentLength"],
                   "eTag": head["ETag"].strip('"')}}}]}

    sqs.send_message(QueueUrl=queue, MessageBody=json.dumps(duplicate))
    # The dispatcher deletes a message once its handler is done with it.
    wait_for(lambda: queue_is_empty(stack, queue), 60, "the duplicate event to be handled")

    jobs = stack.client("dynamodb").scan(TableName=f"{PREFIX}-transcodes")["Items"]
    assert len([j for j in jobs if j["movie_id"]["S"] == movie_id]) == 1
    assert settled(stack, "Twice Told")["status"]["S"] == "ready"


def queue_is_empty(stack: DevStack, queue_url: str) -> bool:
    counts = stack.client("sqs").get_queue_attributes(QueueUrl=queue_url, AttributeNames=[
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    return all(count == "0" for count in counts.values())


def test_a_corrupt_upload_fails_with_a_reason(stack: DevStack, tmp_path: Path) -> None:
    corrupt = tmp_path / "corrupt.mp4"
    corrupt.write_bytes(os.urandom(50_000))
    upload(stack, corrupt, "videos/Broken Reel.mp4")

    movie = settled(stack, "Broken Reel")

    assert movie["status"]["S"] == "failed"
    assert movie["status_reason"]["S"]


def test_a_small_source_gets_one_rendition_at_its_own_height(stack: DevStack,
                                                            tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "small.mp4", size="320x240", seconds=3)
    upload(stack, clip, "videos/Pocket Film.mp4")

    movie = settled(stack, "Pocket Film")

    assert movie["status"]["S"] == "ready", movie.get("status_reason")
    heights = [int(r["M"]["height"]["N"]) for r in movie["renditions"]["L"]]
    assert heights == [240]


def test_a_killed_ffmpeg_is_retried_to_a_correct_result(stack: DevStack,
                                                        tmp_path: Path) -> None:
    # Long enough that the first ffmpeg is found (every 0.2 s) well before it could finish;
    # the retry encodes all of it again, so no longer than that.
    clip = make_clip(tmp_path / "long.mp4", size="854x480", seconds=10)
    upload(stack, clip, "videos/Hard Target.mp4")
    killed: list[int] = []

    def kill_ffmpeg() -> bool:
        for pid in _ffmpeg_transcodes(stack):
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
            return True
        return False

    wait_for(kill_ffmpeg, 60, "the transcoder's ffmpeg to start")
    movie = settled(stack, "Hard Target", timeout=240)

    assert killed
    assert movie["status"]["S"] == "ready", movie.get("status_reason")
    jobs = stack.client("dynamodb").scan(TableName=f"{PREFIX}-transcodes")["Items"]
    [job] = [j for j in jobs if j["movie_id"]["S"] == movie["movie_id"]["S"]]
    assert int(job["attempt"]["N"]) == 2


def _ffmpeg_transcodes(stack: DevStack) -> list[int]:
    """The stack's ffmpeg processes writing HLS (the transcoder's), found through /proc."""
    return [pid for pid, command in command_lines(under=stack.process.pid)
            if command and b"ffmpeg" in Path(command[0].decode(errors="ignore")).name.encode()
            and b"hls" in b" ".join(command) and b"-filter_complex" in command]


@pytest.fixture(scope="module")
def movie_480p(stack: DevStack, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A 4-second 480p clip, uploaded and transcoded to a ready movie (once: the tests
    that play it only read it)."""
    clip = make_clip(tmp_path_factory.mktemp("480p") / "clip.mp4", size="854x480", seconds=4)
    upload(stack, clip, "videos/Client Test.mp4")
    movie = settled(stack, "Client Test")
    assert movie["status"]["S"] == "ready", movie.get("status_reason")
    return movie


def make_account(stack: DevStack, project_root: Path, email: str, password: str) -> None:
    """An active account (an admin, on the default plan), made as `make admin` makes it."""
    env = {**os.environ, "AWS_ENDPOINT_URL": stack.endpoint, "REELSTACK_PREFIX": PREFIX}
    subprocess.run([sys.executable, "-m", "devstack.admin", "--email", email,
                    "--password", password], cwd=project_root, env=env,
                   check=True, capture_output=True, timeout=60)


def test_a_real_hls_client_plays_the_master_playlist_to_the_end(
    stack: DevStack, movie_480p: dict[str, Any], project_root_module: Path
) -> None:
    movie = movie_480p
    make_account(stack, project_root_module, "viewer@example.com", "e2e passphrase")
    http = requests.Session()
    login = http.post(f"{stack.api_url}/auth/login/", json={
        "email": "viewer@example.com", "password": "e2e passphrase"}, timeout=10)
    http.headers["Authorization"] = f"Bearer {login.json()['access']}"
    played = decode_to_the_end(http, stack.api_url, movie["movie_id"]["S"], "ffmpeg-client")

    assert played.returncode == 0 and not played.stderr.strip(), played.stderr


def test_a_browser_spa_plays_the_480p_playlist_by_cookie_over_http(
    stack: DevStack, movie_480p: dict[str, Any], tmp_path: Path, project_root_module: Path
) -> None:
    """The Videoflix path as `chalice local` serves it: the playlists and the segments the
    API streams carry credentialed CORS for the page's origin, and a real HLS client plays
    the 480p stream with its sound from the cookie alone, segment URIs resolved against
    their playlists."""
    movie = movie_480p
    make_account(stack, project_root_module, "spa@example.com", "spa passphrase")
    origin, agent = "http://127.0.0.1:8080", "Mozilla/5.0 (e2e) Firefox/128.0"
    page = requests.Session()
    page.headers.update({"Origin": origin, "User-Agent": agent})
    assert page.post(f"{stack.api_url}/api/login/", json={
        "email": "spa@example.com", "password": "spa passphrase"}, timeout=10).ok

    playlist_url = f"{stack.api_url}/api/video/{movie['movie_id']['S']}/480p/index.m3u8"
    entry = page.get(playlist_url, timeout=10)  # this one stream and its audio group
    lines = entry.text.splitlines()
    media_url = lines[next(i for i, line in enumerate(lines)
                           if line.startswith("#EXT-X-STREAM-INF")) + 1]
    playlist = page.get(media_url, timeout=10)
    lines = playlist.text.splitlines()
    init = next(line.split('"')[1] for line in lines if line.startswith("#EXT-X-MAP"))
    first = next(line for line in lines if line and not line.startswith("#"))
    answers = [entry, playlist] + [page.get(urljoin(media_url, uri), timeout=10)
                                   for uri in (init, first)]

    for answer in answers:
        assert answer.status_code == 200, answer.text
        assert answer.headers["Access-Control-Allow-Origin"] == origin
        assert answer.headers["Access-Control-Allow-Credentials"] == "true"
    assert answers[3].headers["Content-Type"] == "video/mp4"
    assert decodes(answers[2].content + answers[3].content, ".mp4", tmp_path)
    cookie = f"access_token={page.cookies['access_token']}"
    played = subprocess.run(
        [str(ffmpeg_binary()), "-v", "error", "-user_agent", agent,
         "-headers", f"Origin: {origin}\r\nCookie: {cookie}\r\n", "-i", playlist_url,
         "-map", "0:v:0", "-map", "0:a:0", "-f", "null", "-"],
        capture_output=True, text=True, timeout=120, check=False)
    assert played.returncode == 0 and not played.stderr.strip(), played.stderr
