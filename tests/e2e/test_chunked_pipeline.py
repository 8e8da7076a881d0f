"""A chunked transcode through the real pipeline: upload to the emulator's bucket, the
dispatcher and handler, the local runner starting one process per chunk task (real
ffmpeg), the finish task publishing the chunks as they finish, the catalog. Chunking is
forced (three chunks, a small threshold), each task on one thread, the source read at
READ_RATE x real time so that the movie is playable well before it is ready.

The source is test_transcoder_chunked's: every frame shows its number as a barcode, at
29.97 fps, so a lost, doubled or misplaced frame at a chunk boundary cannot hide.
"""

from __future__ import annotations

import os
import re
import signal
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "containers" / "transcoder"))

from transcoder.binaries import find_media_tools
from transcoder.ffmpeg_command import AUDIO_NAME, PLAYLIST_NAME
from transcoder.hls import MediaPlaylist, parse_media_playlist
from transcoder.transcode import transcode

from chalicelib.core import envvars
from tests.e2e.test_transcode_pipeline import media, movie_titled, settled, upload
from tests.e2e.test_transcoder_chunked import (
    FPS,
    SECONDS,
    SOURCE,
    decode_times,
    decoded_frames,
    stream_span,
)
from tests.support.dev_stack import DevStack, command_lines, running_dev_stack, wait_for
from tests.support.media import render_sources

pytestmark = pytest.mark.e2e
PREFIX = "reelstack-hls"  # test_transcode_pipeline's helpers name its buckets so
CHUNKS = 3
# Chunk 0 (0-8 s) is in after 3 s of reading, the retried chunk 1 (8-26 s) 6 s after its
# restart, the audio (the whole 40 s) after 13 s: `ready` comes well after `playable`.
READ_RATE = "3"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevStack]:
    log = tmp_path_factory.mktemp("chunked") / "make-run.log"
    root = Path(__file__).resolve().parents[2]
    with running_dev_stack(root, log, PREFIX, extra_env={
            "REELSTACK_TRANSCODE_CHUNK_THRESHOLD_SECONDS": "10",
            "REELSTACK_TRANSCODE_CHUNKS": str(CHUNKS),
            "REELSTACK_TRANSCODE_CHUNK_THREADS": "1",
            envvars.TRANSCODE_READ_RATE: READ_RATE}) as running:
        yield running


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render_sources(find_media_tools().ffmpeg, tmp_path_factory.mktemp("source"),
                          {"counter.mp4": SOURCE}) / "counter.mp4"


@pytest.fixture(scope="module")
def one_pass(source: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same source through the one-pass transcoder, on this machine."""
    output = tmp_path_factory.mktemp("one-pass") / "out"
    transcode(source, output, on_progress=lambda _: None, timeout_seconds=600)
    return output


@dataclass
class Watched:
    """What a client reading the media bucket saw from the first moment the catalog
    listed the movie until it was ready."""

    first_status: str = ""
    master_at_playable: bool = False
    audio_at_playable: list[str] = field(default_factory=list)  # segments listed then
    missing: list[str] = field(default_factory=list)  # listed segments not (yet) there
    lists: list[tuple[list[str], bool]] = field(default_factory=list)  # lowest rung's
    # (segments, ended), each time it changed


Chunked = tuple[dict[str, Any], Path, list[int], Watched]


def _listed(stack: DevStack, key: str) -> MediaPlaylist | None:
    try:
        return parse_media_playlist(media(stack, key).decode())
    except ClientError:  # not up yet
        return None


def _watch(stack: DevStack, title: str) -> Watched:
    """Read the version as a client would, from `playable` until `ready`: every segment a
    playlist lists is fetched as soon as it is listed."""
    seen = Watched()
    wait_for(lambda: (movie_titled(stack, title) or {}).get("status", {}).get("S") in (
        "playable", "ready", "failed"), 200, f"{title!r} to be playable")
    movie = movie_titled(stack, title) or {}
    seen.first_status = movie["status"]["S"]
    prefix = f"videos/{movie['movie_id']['S']}/"
    listed = stack.client("s3").list_objects_v2(Bucket=f"{PREFIX}-media", Prefix=prefix)
    masters = [i["Key"] for i in listed.get("Contents", [])
               if i["Key"].endswith("/master.m3u8")]
    seen.master_at_playable = len(masters) == 1
    if not seen.master_at_playable:
        return seen
    master = masters[0]
    version = master.removesuffix("master.m3u8")
    audio = _listed(stack, f"{version}{AUDIO_NAME}/{PLAYLIST_NAME}")
    seen.audio_at_playable = [s.uri for s in audio.segments] if audio else []
    rung = re.search(r"^(\d+p)/", media(stack, master).decode(), re.M)
    assert rung is not None

    def read_rung() -> bool:
        playlist = _listed(stack, f"{version}{rung[1]}/{PLAYLIST_NAME}")
        assert playlist is not None
        now = ([s.uri for s in playlist.segments], playlist.ended)
        if not seen.lists or seen.lists[-1] != now:
            seen.lists.append(now)
            for uri in now[0]:
                if _listed_object_missing(stack, f"{version}{rung[1]}/{uri}"):
                    seen.missing.append(uri)
        return playlist.ended

    wait_for(read_rung, 300, f"{title!r} to be ready")
    return seen


def _listed_object_missing(stack: DevStack, key: str) -> bool:
    try:
        stack.client("s3").head_object(Bucket=f"{PREFIX}-media", Key=key)
    except ClientError:
        return True
    return False


@pytest.fixture(scope="module")
def chunked(stack: DevStack, source: Path, tmp_path_factory: pytest.TempPathFactory
            ) -> Chunked:
    """The source uploaded and transcoded in chunks, chunk 1's first task SIGKILLed as
    soon as it runs, watched by a client from `playable` on; the published version
    downloaded into a folder."""
    upload(stack, source, "videos/Counted Frames.mp4")
    killed: list[int] = []

    def kill_chunk_1() -> bool:
        movie = movie_titled(stack, "Counted Frames")
        jobs = stack.client("dynamodb").scan(TableName=f"{PREFIX}-transcodes")["Items"]
        if movie is None or not jobs:
            return False
        # This stack's job only: another run of these tests may share the machine.
        found = _task_processes(f"{_job_of(stack, movie['movie_id']['S'])['job_id']['S']}"
                                ".1/c1.1")
        for pid in found:
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
        return bool(found)

    wait_for(kill_chunk_1, 120, "chunk 1's task to start")
    watched = _watch(stack, "Counted Frames")
    movie = settled(stack, "Counted Frames", timeout=400)
    assert movie["status"]["S"] == "ready", movie.get("status_reason")
    folder = tmp_path_factory.mktemp("published")
    prefix = movie["master_playlist_key"]["S"].rsplit("/", 1)[0] + "/"
    listed = stack.client("s3").list_objects_v2(Bucket=f"{PREFIX}-media", Prefix=prefix)
    for item in listed["Contents"]:
        path = folder / item["Key"].removeprefix(prefix)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(media(stack, item["Key"]))
    return movie, folder, killed, watched


def _job_of(stack: DevStack, movie_id: str) -> dict[str, Any]:
    jobs = stack.client("dynamodb").scan(TableName=f"{PREFIX}-transcodes")["Items"]
    [job] = [j for j in jobs if j["movie_id"]["S"] == movie_id]
    return dict(job)


def _task_processes(run_id_part: str, *, anywhere: bool = False) -> list[int]:
    """Transcoder task processes whose command line carries `run_id_part` (at the end of
    an argument, or `anywhere` in one)."""
    wanted = run_id_part.encode()
    return [pid for pid, command in command_lines()
            if b"transcoder" in command and any(
                (wanted in part) if anywhere else part.endswith(wanted) for part in command)]


def _named_init(playlist: str) -> str:
    """ffmpeg names a variant's init segment `init_<variant>.mp4` when it writes several
    variants and `init.mp4` for one: a ladder of one rung is one variant in the chunks'
    picture-only commands and two (with the audio) in the one-pass command."""
    return re.sub(r'URI="init(_\d+)?\.mp4"', 'URI="init.mp4"', playlist)


def _rungs(folder: Path) -> list[str]:
    return sorted(p.parent.name for p in folder.glob("*/" + PLAYLIST_NAME)
                  if p.parent.name != AUDIO_NAME)


def test_a_chunked_source_is_published_as_the_one_pass_ladder(
    chunked: Chunked, one_pass: Path,
) -> None:
    movie, folder, _, _ = chunked

    assert _rungs(folder) == _rungs(one_pass)
    for rung in _rungs(folder):
        joined = (folder / rung / PLAYLIST_NAME).read_text()
        assert _named_init(joined) == _named_init((one_pass / rung / PLAYLIST_NAME).read_text())
        assert "#EXT-X-DISCONTINUITY" not in joined and joined.endswith("#EXT-X-ENDLIST\n")
        assert decode_times(folder / rung) == pytest.approx(decode_times(one_pass / rung),
                                                            abs=1e-4)
    # The audio, muxed alone, is cut where the one-pass muxer's video does not pull it:
    # the same sound (test_transcoder_chunked compares its samples), other segments.
    audio = parse_media_playlist((folder / AUDIO_NAME / PLAYLIST_NAME).read_text())
    reference = parse_media_playlist((one_pass / AUDIO_NAME / PLAYLIST_NAME).read_text())
    assert audio.ended and audio.duration == pytest.approx(reference.duration, abs=1e-6)

    def shape(master: str) -> str:  # rates are measured on each encode's own bytes
        return re.sub(r"BANDWIDTH=\d+", "BANDWIDTH=N", master)

    assert shape((folder / "master.m3u8").read_text()) == shape(
        (one_pass / "master.m3u8").read_text())
    assert sorted(p.name for p in folder.iterdir() if p.is_file()) == [
        "master.m3u8", "sprite.jpg", "thumbnail.jpg", "thumbnails.vtt"]  # no manifests left
    assert movie["duration"]["N"] == str(SECONDS)


def test_the_published_version_decodes_every_frame_once_with_audio_in_sync(
    chunked: Chunked,
) -> None:
    _, folder, _, _ = chunked
    ffmpeg = find_media_tools().ffmpeg
    rung = _rungs(folder)[0]
    width, height = 320, int(rung.removesuffix("p"))

    frames = decoded_frames(ffmpeg, folder / rung / PLAYLIST_NAME, width, height)
    assert [number for _, number in frames] == list(range(round(SECONDS * FPS)))
    times = [time for time, _ in frames]
    assert all(0 < b - a < 1.5 / FPS for a, b in pairwise(times))
    video = stream_span(ffmpeg, folder / rung / PLAYLIST_NAME, "v")
    audio = stream_span(ffmpeg, folder / AUDIO_NAME / PLAYLIST_NAME, "a")
    assert abs(audio[0] - video[0]) < 1 / FPS and abs(audio[1] - video[1]) < 1 / FPS


def test_a_killed_chunk_task_is_retried_alone(
    stack: DevStack, chunked: Chunked,
) -> None:
    movie, _, killed, _ = chunked
    assert killed
    job = _job_of(stack, movie["movie_id"]["S"])
    attempts = {name: int(task["M"]["attempt"]["N"])
                for name, task in job["chunk_tasks"]["M"].items()}
    assert attempts == {"c0": 1, "c1": 2, "c2": 1, "audio": 1, "finish": 1}
    assert int(job["attempt"]["N"]) == 1  # the job itself was not started over


def test_a_corrupt_range_fails_the_movie_with_the_reason(
    stack: DevStack, source: Path, tmp_path: Path,
    chunked: Chunked,
) -> None:
    damaged = tmp_path / "damaged.mp4"
    data = bytearray(source.read_bytes())
    middle = len(data) // 2  # about 20 s in: chunk 1's range (8-26 s)
    data[middle:middle + 64 * 1024] = bytes(range(256)) * 256
    damaged.write_bytes(bytes(data))
    upload(stack, damaged, "videos/Torn Reel.mp4")

    movie = settled(stack, "Torn Reel", timeout=400)

    assert movie["status"]["S"] == "failed"
    assert re.match(r"^(chunk 1 \(8 s to 26 s\)|the audio): the source does not decode "
                    r"cleanly", movie["status_reason"]["S"]), movie["status_reason"]["S"]
    # The other tasks were stopped: once every one has ended (and the handler has had
    # their last events), nothing of the version is left.
    job_id = _job_of(stack, movie["movie_id"]["S"])["job_id"]["S"]
    wait_for(lambda: not _task_processes(f"{job_id}.", anywhere=True), 300,
             "the job's tasks to end")
    prefix = f"videos/{movie['movie_id']['S']}/"

    def left() -> int:
        listed = stack.client("s3").list_objects_v2(Bucket=f"{PREFIX}-media", Prefix=prefix)
        return int(listed.get("KeyCount", 0))

    wait_for(lambda: left() == 0, 120, f"nothing left under {prefix}")
    assert movie_titled(stack, "Torn Reel") is not None


def test_a_chunked_source_plays_from_its_first_chunk_before_it_is_ready(
    chunked: Chunked,
) -> None:
    _, _, _, watched = chunked

    assert watched.first_status == "playable" and watched.master_at_playable
    assert watched.audio_at_playable  # the master waits for the audio's first segments
    first, ended = watched.lists[0]
    assert not ended and len(first) >= 3  # chunk 0 is three segments


def test_a_client_at_playable_sees_the_prefix_grow_and_after_ready_every_segment(
    chunked: Chunked,
) -> None:
    _, folder, _, watched = chunked
    rung = _rungs(folder)[0]
    final = [s.uri for s in parse_media_playlist(
        (folder / rung / PLAYLIST_NAME).read_text()).segments]

    assert watched.lists[-1] == (final, True)
    assert len(watched.lists[0][0]) < len(final)
    for (before, _), (after, _) in pairwise(watched.lists):
        assert after[:len(before)] == before and len(after) >= len(before)
    assert all(not ended for _, ended in watched.lists[:-1])
    assert watched.missing == []  # never a segment listed before it is there
