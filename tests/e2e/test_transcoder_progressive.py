"""Progressive publishing for real: `run_job` with the real ffmpeg, reading its source
through a presigned URL from moto's S3 and publishing there while it encodes, paced by
`read_rate` so that the encode is still under way when the version becomes playable.

What a player could fetch is looked at from inside the event sink, the moment `playable`
is sent: the job's publishing thread waits on that call, so nothing moves meanwhile."""

from __future__ import annotations

import itertools
import re
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "containers" / "transcoder"))

from transcoder.binaries import find_media_tools
from transcoder.events import JobIdentity
from transcoder.hls import MediaPlaylist, parse_media_playlist
from transcoder.job import JobRequest, run_job
from transcoder.storage import S3ObjectStore

from tests.e2e import test_transcoder_job as job_tier
from tests.e2e.test_transcoder_job import Stack, published, upload
from tests.e2e.test_transcoder_truncated import first_60_percent
from tests.support.media import render_sources

# Fresh buckets and queue per test, as the job tier's, on the module's emulator (conftest).
stack = job_tier.stack

# Short and at 12 fps (cheap to encode on a busy box) while still several segments long.
SECONDS, FPS = 20, 12
SOURCES: Mapping[str, list[str]] = {
    # 720p: a 480p and a 720p rung, and the audio.
    "movie.mp4": ["-f", "lavfi", "-i", f"testsrc2=size=1280x720:rate={FPS}:duration={SECONDS}",
                  "-f", "lavfi", "-i", f"sine=frequency=440:duration={SECONDS}",
                  "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
                  "-c:a", "aac", "-movflags", "+faststart"],
}
JOB = JobIdentity("job-1.1", "m-1", "v1")
PREFIX = JOB.prefix
VARIANTS = ("480p", "720p", "audio")
READ_RATE = 2.0  # 20 s of source take ffmpeg 10 s at least: it is still encoding
AT = datetime(2026, 1, 2, tzinfo=UTC)


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = render_sources(find_media_tools().ffmpeg, tmp_path_factory.mktemp("media"),
                            SOURCES)
    (folder / "cut.mp4").write_bytes(first_60_percent((folder / "movie.mp4").read_bytes()))
    return folder


@dataclass
class Fetched:
    """The version as a player saw it when `playable` was sent."""

    keys: list[str]
    master: str
    playlists: dict[str, MediaPlaylist]
    playlist_texts: dict[str, str]
    first_segments: dict[str, int]  # variant -> bytes of its first segment


@dataclass
class LookingSink:
    stack: Stack
    sent: list[dict[str, Any]] = field(default_factory=list)
    at_playable: Fetched | None = None

    def send(self, event: Mapping[str, Any]) -> None:
        self.sent.append(dict(event))
        if event["type"] == "playable":
            self.at_playable = self._fetch()

    def _fetch(self) -> Fetched:
        s3, bucket = self.stack.s3(), self.stack.media

        def get(key: str) -> bytes:
            return s3.get_object(Bucket=bucket, Key=key)["Body"].read()

        texts = {name: get(f"{PREFIX}{name}/index.m3u8").decode() for name in VARIANTS}
        playlists = {name: parse_media_playlist(text) for name, text in texts.items()}
        return Fetched(
            keys=published(self.stack), master=get(PREFIX + "master.m3u8").decode(),
            playlists=playlists, playlist_texts=texts,
            first_segments={name: len(get(f"{PREFIX}{name}/{p.segments[0].uri}"))
                            for name, p in playlists.items()})


def run(stack: Stack, source_key: str, work_dir: Path) -> tuple[dict[str, Any], LookingSink]:
    sink = LookingSink(stack)
    work_dir.mkdir(exist_ok=True)
    request = JobRequest(job=JOB, source_bucket=stack.uploads, source_key=source_key,
                         media_bucket=stack.media, timeout_seconds=300, work_dir=work_dir,
                         read_rate=READ_RATE)
    final = run_job(request, store=S3ObjectStore(stack.s3()), events=sink, clock=lambda: AT)
    return final, sink


def test_a_version_plays_while_it_is_encoded_and_is_whole_when_ready(
    stack: Stack, media: Path, tmp_path: Path,
) -> None:
    final, sink = run(stack, upload(stack, media / "movie.mp4"), tmp_path / "work")

    assert final["type"] == "ready", final
    types = [e["type"] for e in sink.sent]
    assert types.count("playable") == 1 and types.index("playable") < types.index("ready")
    playable = sink.sent[types.index("playable")]
    assert (playable["master_playlist_key"], playable["audio"]) == (
        PREFIX + "master.m3u8", True)
    assert playable["duration"] == pytest.approx(SECONDS, abs=0.1)
    assert [r["name"] for r in playable["renditions"]] == ["480p", "720p"]
    assert all(r["segments"] >= 1 and r["codecs"].startswith("avc1.")
               for r in playable["renditions"])

    seen = sink.at_playable
    assert seen is not None
    assert [line for line in seen.master.splitlines() if not line.startswith("#")] == [
        "480p/index.m3u8", "720p/index.m3u8"]
    assert 'URI="audio/index.m3u8"' in seen.master
    for name in VARIANTS:
        playlist, text = seen.playlists[name], seen.playlist_texts[name]
        assert "#EXT-X-PLAYLIST-TYPE:EVENT" in text and not playlist.ended
        assert seen.first_segments[name] > 0
        # Everything it names is there: a player never asks for what is not.
        for uri in [playlist.init_uri, *(s.uri for s in playlist.segments)]:
            assert f"{PREFIX}{name}/{uri}" in seen.keys

    after = published(stack)
    for name in VARIANTS:
        playlist = parse_media_playlist(stack.s3().get_object(
            Bucket=stack.media, Key=f"{PREFIX}{name}/index.m3u8")["Body"].read().decode())
        assert playlist.ended
        assert playlist.duration == pytest.approx(SECONDS, abs=0.1)
        assert all(f"{PREFIX}{name}/{s.uri}" in after for s in playlist.segments)
    assert not [key for key in after if key.endswith(".tmp")]
    assert list((tmp_path / "work").iterdir()) == []
    decodes_continuously(stack, tmp_path / "download")


def test_a_source_failing_after_playable_is_taken_back_with_one_failed_event(
    stack: Stack, media: Path, tmp_path: Path,
) -> None:
    final, sink = run(stack, upload(stack, media / "cut.mp4"), tmp_path / "work")

    assert (final["type"], final["code"], final["retryable"]) == (
        "failed", "source_truncated", False)
    types = [e["type"] for e in sink.sent]
    # 12 s of the 20 decode (6 s at READ_RATE): the first segments were up before the end.
    assert types.count("playable") == 1
    assert [t for t in types if t not in ("progress", "playable")] == ["failed"]
    assert sink.at_playable is not None and sink.at_playable.keys
    assert published(stack) == []
    assert list((tmp_path / "work").iterdir()) == []


def decodes_continuously(stack: Stack, folder: Path) -> None:
    """Every rendition and the audio, read from a download of the version, decode from
    start to end with one frame after another, no gap and no jump."""
    s3 = stack.s3()
    for key in published(stack):
        path = folder / key.removeprefix(PREFIX)
        path.parent.mkdir(parents=True, exist_ok=True)
        s3.download_file(stack.media, key, str(path))
    for name in ("480p", "720p"):
        times = frame_times(folder / name / "index.m3u8", "-vf", "showinfo")
        steps = {round(b - a, 4) for a, b in itertools.pairwise(times)}
        assert steps == {round(1 / FPS, 4)}, f"{name}: frame steps {sorted(steps)}"
        assert len(times) == SECONDS * FPS
    audio = frame_times(folder / "audio" / "index.m3u8", "-af", "ashowinfo")
    steps = {round(b - a, 4) for a, b in itertools.pairwise(audio)}
    assert steps == {round(1024 / 48000, 4)}, f"audio steps {sorted(steps)}"
    assert audio[-1] - audio[0] == pytest.approx(SECONDS, abs=0.1)
    master = subprocess.run([find_media_tools().ffmpeg, "-v", "error", "-i",
                             str(folder / "master.m3u8"), "-map", "0", "-f", "null", "-"],
                            capture_output=True, text=True, timeout=300, check=False)
    assert master.returncode == 0 and not master.stderr, master.stderr


def frame_times(playlist: Path, *show_info: str) -> list[float]:
    done = subprocess.run([find_media_tools().ffmpeg, "-hide_banner", "-nostdin", "-i",
                           str(playlist), *show_info, "-f", "null", "-"],
                          capture_output=True, text=True, timeout=300, check=True)
    return [float(t) for t in re.findall(r"\bpts_time:\s*(-?[\d.]+)", done.stderr)]
