"""`python -m transcoder probe` as the job runs it, on small real media made here by ffmpeg.

Each case runs the program in a process of its own, with ffprobe turned off (the banner
path, what this machine has) and, where an ffprobe is found, once more through ffprobe.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

# Only to find the ffmpeg that makes the media: the program under test runs as a process.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "containers" / "transcoder"))

import transcoder
from transcoder import envvars
from transcoder.binaries import find_media_tools

from devstack.transcoder_process import transcoder_pythonpath
from tests.support.media import render_sources

TRANSCODER_ROOT = Path(transcoder.__file__).parent.parent

X264 = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
# Each source made from lavfi's generators, then the arguments that encode it.
SOURCES: Mapping[str, list[str]] = {
    "movie.mp4": ["-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration=2",
                  "-f", "lavfi", "-i", "sine=frequency=440:duration=2", *X264, "-c:a", "aac"],
    "silent.mp4": ["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30:duration=1", *X264],
    "podcast.m4a": ["-f", "lavfi", "-i", "sine=frequency=220:duration=1", "-c:a", "aac"],
    "poster.png": ["-f", "lavfi", "-i", "testsrc2=size=320x240", "-frames:v", "1"],
}
MP4 = "mov,mp4,m4a,3gp,3g2,mj2"


@dataclass(frozen=True)
class Probed:
    status: int
    result: Any  # the JSON on stdout when status is 0, else the JSON error on stderr


@pytest.fixture(scope="module")
def ffmpeg() -> str:
    return find_media_tools().ffmpeg


@pytest.fixture(scope="module")
def media(ffmpeg: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = render_sources(ffmpeg, tmp_path_factory.mktemp("media"), SOURCES)
    (folder / "notes.mp4").write_text("Shot list: opening, chase, credits.\n")
    (folder / "empty.mp4").touch()
    return folder


def probe(source: str, media: Path, ffmpeg: str, ffprobe: str = "") -> Probed:
    environment = {**os.environ, "PYTHONPATH": transcoder_pythonpath(TRANSCODER_ROOT),
                   envvars.FFMPEG: ffmpeg, envvars.FFPROBE: ffprobe}
    # "--": a source name may start with a dash.
    done = subprocess.run([sys.executable, "-m", "transcoder", "probe", "--", source],
                          cwd=media, env=environment, capture_output=True, text=True,
                          timeout=60, check=False)
    if done.returncode == 0:
        assert done.stderr == ""
        return Probed(0, json.loads(done.stdout))
    assert done.stdout == ""
    return Probed(done.returncode, json.loads(done.stderr))


def test_a_movie_with_audio(media: Path, ffmpeg: str) -> None:
    probed = probe("movie.mp4", media, ffmpeg)

    assert probed.status == 0
    assert probed.result == {
        "container": MP4, "duration_seconds": pytest.approx(2.0, abs=0.05),
        "width": 640, "height": 360, "frame_rate": 25.0, "video_codec": "h264",
        "has_audio": True, "audio_codec": "aac",
        "size_bytes": (media / "movie.mp4").stat().st_size,
    }


def test_a_clip_without_audio(media: Path, ffmpeg: str) -> None:
    probed = probe("silent.mp4", media, ffmpeg)

    assert probed.status == 0
    assert (probed.result["width"], probed.result["height"]) == (320, 240)
    assert probed.result["frame_rate"] == 30.0
    assert (probed.result["has_audio"], probed.result["audio_codec"]) == (False, None)


def test_a_name_ffmpeg_would_read_as_a_protocol_or_an_option(media: Path, ffmpeg: str) -> None:
    shutil.copy(media / "silent.mp4", media / "-concat:final cut.mp4")

    probed = probe("-concat:final cut.mp4", media, ffmpeg)

    assert (probed.status, probed.result["width"]) == (0, 320)


@pytest.mark.parametrize(("source", "reason"), [
    ("podcast.m4a", "audio only"),
    ("poster.png", "still image"),
    ("notes.mp4", "cannot read it"),
    ("empty.mp4", "empty file"),
])
def test_what_is_no_video_exits_2(media: Path, ffmpeg: str, source: str, reason: str) -> None:
    probed = probe(source, media, ffmpeg)

    assert probed.status == 2
    assert probed.result["error"] == "not_a_video"
    assert reason in probed.result["reason"]


def test_a_missing_source_exits_1(media: Path, ffmpeg: str) -> None:
    probed = probe("never-uploaded.mp4", media, ffmpeg)

    assert (probed.status, probed.result["error"]) == (1, "source_missing")


def test_ffprobe_tells_the_same(media: Path, ffmpeg: str) -> None:
    ffprobe = find_media_tools().ffprobe
    if ffprobe is None:
        pytest.skip(f"no ffprobe on PATH or in {envvars.FFPROBE}")

    for source in SOURCES:
        with_ffprobe = probe(source, media, ffmpeg, ffprobe)
        from_banner = probe(source, media, ffmpeg)

        assert with_ffprobe.status == from_banner.status, source
        if with_ffprobe.status == 0:
            assert with_ffprobe.result == {
                **from_banner.result,
                "duration_seconds": pytest.approx(from_banner.result["duration_seconds"],
                                                  abs=0.05),
            }, source
