"""Chunked transcoding with the real ffmpeg: the joined chunks are the one-pass ladder.

The source runs at 29.97 fps, so chunk starts fall between frames (the hard case), and
every frame shows its own number as a 16-bit barcode across the top: decoding a rendition
says which source frame each output frame is, so a lost, doubled or misplaced frame at a
chunk boundary cannot hide. The chunked run has one chunk killed on its first try.

A source with several audio and subtitle streams (tests/support/tracks.py) gets, chunked
here and by the fleet's tasks (run in this process, against the emulator), the audio and
subtitle renditions its one-pass transcode gets (issue 20).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import re
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "containers" / "transcoder"))

from transcoder.binaries import find_media_tools
from transcoder.chunk_cli import chunk_to_json, ladder_to_json
from transcoder.chunk_command import one_pass_grid, source_input, video_chunk_command
from transcoder.chunk_encode import encode_video_chunk
from transcoder.chunked import ChunkedTranscode, transcode_in_chunks
from transcoder.chunks import Chunk, plan_chunks
from transcoder.cli import build_parser
from transcoder.errors import SourceCorrupt
from transcoder.ffmpeg_command import AUDIO_NAME, DEFAULT_SETTINGS, PLAYLIST_NAME, hls_command
from transcoder.ffmpeg_process import Deadline, run_ffmpeg
from transcoder.fmp4 import fragment_timing, track_timing
from transcoder.hls import parse_media_playlist
from transcoder.hls_output import write_media_playlists
from transcoder.ladder import RenditionLadder, Rung
from transcoder.probe import probe_source
from transcoder.results import TranscodeResult
from transcoder.source import SourceInfo
from transcoder.transcode import transcode

from devstack.emulator import Emulator
from tests.e2e.test_transcoder_job import Stack, events
from tests.support.media import render_sources
from tests.support.tracks import (
    RENDITIONS,
    TRACKS_SOURCE,
    media_lines,
    read_back,
    render_tracks_source,
)

SECONDS, RATE, WIDTH, HEIGHT, BAR_HEIGHT = 40, "30000/1001", 320, 180, 16
FPS = 30000 / 1001
# Frame N's bit b is white in the b-th 20-pixel column of the top strip.
BARCODE = (f"nullsrc=size={WIDTH}x{BAR_HEIGHT}:rate={RATE}:duration={SECONDS},"
           "geq=lum='if(bitand(floor(N/pow(2,floor(X/20))),1),235,16)':cb=128:cr=128")
SOURCE = ["-f", "lavfi", "-i", f"testsrc2=size={WIDTH}x{HEIGHT}:rate={RATE}:duration={SECONDS}",
          "-f", "lavfi", "-i", BARCODE,
          "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={SECONDS}",
          "-filter_complex", "[0:v][1:v]overlay=0:0,format=yuv420p[v]", "-map", "[v]",
          "-map", "2:a", "-c:v", "libx264", "-preset", "ultrafast", "-g", "60",
          "-c:a", "aac", "-movflags", "+faststart"]
LADDER = RenditionLadder(rungs=(Rung("144p", 256, 144, 300, 600),
                                Rung("180p", 320, 180, 400, 800)),
                         frame_rate=FPS, audio=True)
VARIANTS = [*(rung.name for rung in LADDER.rungs), AUDIO_NAME]
# Chunks 0-8, 8-26 and 26-40 s: none starts on a frame, and the last holds the 38 s
# keyframe that lies within a frame of its line.
CHUNKS = 3


@dataclass(frozen=True)
class Chunked:
    result: ChunkedTranscode
    progress: list[float]
    killed: list[tuple[str, int]]


@pytest.fixture(scope="module")
def ffmpeg() -> str:
    return find_media_tools().ffmpeg


@pytest.fixture(scope="module")
def source(ffmpeg: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render_sources(ffmpeg, tmp_path_factory.mktemp("source"),
                          {"counter.mp4": SOURCE}) / "counter.mp4"


@pytest.fixture(scope="module")
def info(source: Path) -> SourceInfo:
    return probe_source(source)


@pytest.fixture(scope="module")
def one_pass(ffmpeg: str, source: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same ladder by the one-pass command, its playlists written as transcode() does."""
    output = tmp_path_factory.mktemp("one-pass")
    run_ffmpeg(hls_command(ffmpeg, source, LADDER, output), Deadline(300))
    write_media_playlists(output, VARIANTS, DEFAULT_SETTINGS.segment_seconds)
    return output


@pytest.fixture(scope="module")
def chunked(source: Path, info: SourceInfo, tmp_path_factory: pytest.TempPathFactory) -> Chunked:
    """Three chunks and the audio; chunk 1 is SIGKILLed as soon as it starts, once."""
    folder = tmp_path_factory.mktemp("chunked")
    progress: list[float] = []
    killed: list[tuple[str, int]] = []

    def kill_chunk_1_once(task: str, attempt: int, pid: int) -> None:
        if task == "chunk-1" and attempt == 1:
            os.kill(pid, signal.SIGKILL)
            killed.append((task, attempt))

    result = transcode_in_chunks(source, info, folder / "out", folder / "work",
                                 on_progress=progress.append, timeout_seconds=300,
                                 chunk_count=CHUNKS, ladder=LADDER, cores=2,
                                 on_task_started=kill_chunk_1_once)
    return Chunked(result, progress, killed)


def decoded_frames(ffmpeg: str, playlist: Path, width: int, height: int) -> list[tuple[float,
                                                                                      int]]:
    """(timestamp, source frame number read from the barcode) of every decoded frame."""
    done = subprocess.run(
        [ffmpeg, "-hide_banner", "-nostdin", "-copyts", "-i", str(playlist), "-map", "0:v:0",
         "-vf", "showinfo", "-f", "rawvideo", "-pix_fmt", "gray", "-"],
        capture_output=True, timeout=120, check=True)
    times = [float(t) for t in re.findall(rb"pts_time:([-\d.]+)", done.stderr)]
    size, row, stripe = width * height, round(height * 6 / HEIGHT), width / 16
    frames = [done.stdout[i:i + size] for i in range(0, len(done.stdout), size)]
    numbers = [sum(1 << bit for bit in range(16)
                   if frame[row * width + int(stripe * bit + stripe / 2)] > 128)
               for frame in frames]
    assert len(times) == len(numbers)
    return list(zip(times, numbers, strict=True))


def decode_times(folder: Path) -> list[float]:
    """Decode time (tfdt) and duration of every segment listed in the folder's playlist, in
    seconds, one after the other."""
    playlist = parse_media_playlist((folder / PLAYLIST_NAME).read_text())
    assert playlist.init_uri is not None
    track = track_timing((folder / playlist.init_uri).read_bytes())
    timings = [fragment_timing((folder / s.uri).read_bytes(), track) for s in playlist.segments]
    return [value for t in timings for value in (t.start, t.duration)]


def stream_span(ffmpeg: str, playlist: Path, stream: str) -> tuple[float, float]:
    """First and last timestamps of the playlist's first `stream` ("v" or "a")."""
    show = "showinfo" if stream == "v" else "ashowinfo"
    done = subprocess.run([ffmpeg, "-hide_banner", "-nostdin", "-copyts", "-i", str(playlist),
                           "-map", f"0:{stream}:0", f"-{'v' if stream == 'v' else 'a'}f", show,
                           "-f", "null", "-"], capture_output=True, text=True, timeout=120,
                          check=True)
    times = [float(t) for t in re.findall(r"pts_time:([-\d.]+)", done.stderr)]
    return times[0], times[-1]


def test_the_joined_playlists_are_the_one_pass_playlists(chunked: Chunked,
                                                         one_pass: Path) -> None:
    output = chunked.result.output_dir

    for rung in LADDER.rungs:
        joined = (output / rung.name / PLAYLIST_NAME).read_text()
        assert joined == (one_pass / rung.name / PLAYLIST_NAME).read_text()
        assert "#EXT-X-DISCONTINUITY" not in joined and joined.endswith("#EXT-X-ENDLIST\n")
    audio = parse_media_playlist((output / AUDIO_NAME / PLAYLIST_NAME).read_text())
    reference = parse_media_playlist((one_pass / AUDIO_NAME / PLAYLIST_NAME).read_text())
    assert audio.ended and audio.duration == pytest.approx(reference.duration, abs=1e-6)


def test_segments_decode_on_from_where_the_one_pass_ones_do(chunked: Chunked,
                                                            one_pass: Path) -> None:
    for rung in LADDER.rungs:
        joined = decode_times(chunked.result.output_dir / rung.name)
        assert joined == pytest.approx(decode_times(one_pass / rung.name), abs=1e-4)
        starts, durations = joined[::2], joined[1::2]
        for start, duration, following in zip(starts, durations, starts[1:], strict=False):
            assert following == pytest.approx(start + duration, abs=1e-4)  # no gap, no overlap


def test_every_source_frame_plays_once_in_order_at_its_one_pass_time(
    chunked: Chunked, one_pass: Path, ffmpeg: str,
) -> None:
    rung = LADDER.rungs[0]

    joined = decoded_frames(ffmpeg, chunked.result.output_dir / rung.name / PLAYLIST_NAME,
                            rung.width, rung.height)
    reference = decoded_frames(ffmpeg, one_pass / rung.name / PLAYLIST_NAME,
                               rung.width, rung.height)

    assert [number for _, number in joined] == list(range(round(SECONDS * FPS)))
    assert [time for time, _ in joined] == pytest.approx([t for t, _ in reference], abs=1e-4)


def test_the_audio_is_the_one_pass_audio_and_in_sync_with_the_picture(
    chunked: Chunked, one_pass: Path, ffmpeg: str,
) -> None:
    def pcm(folder: Path) -> str:
        done = subprocess.run([ffmpeg, "-v", "error", "-i", str(folder / PLAYLIST_NAME),
                               "-map", "0:a:0", "-f", "s16le", "-"], capture_output=True,
                              timeout=120, check=True)
        return hashlib.sha256(done.stdout).hexdigest()

    output, rung = chunked.result.output_dir, LADDER.rungs[-1].name
    assert pcm(output / AUDIO_NAME) == pcm(one_pass / AUDIO_NAME)
    offsets = []
    for folder in (output, one_pass):
        video = stream_span(ffmpeg, folder / rung / PLAYLIST_NAME, "v")
        audio = stream_span(ffmpeg, folder / AUDIO_NAME / PLAYLIST_NAME, "a")
        offsets.append((audio[0] - video[0], audio[1] - video[1]))
    assert offsets[0] == pytest.approx(offsets[1], abs=1e-3)
    assert abs(offsets[0][0]) < 1 / FPS and abs(offsets[0][1]) < 1 / FPS


def test_a_killed_chunk_is_retried_alone(chunked: Chunked) -> None:
    assert chunked.killed == [("chunk-1", 1)]
    assert chunked.result.attempts == {"chunk-0": 1, "chunk-1": 2, "chunk-2": 1, "audio": 1}


def test_progress_is_the_sum_over_chunks_and_ends_at_100(chunked: Chunked) -> None:
    assert chunked.progress[-1] == 100.0
    assert all(0.0 <= percent <= 99.9 for percent in chunked.progress[:-1])
    assert any(0.0 < percent < 99.9 for percent in chunked.progress)


def test_a_corrupt_range_fails_the_movie_with_the_reason(source: Path, info: SourceInfo,
                                                         tmp_path: Path) -> None:
    damaged = tmp_path / "damaged.mp4"
    data = bytearray(source.read_bytes())
    middle = len(data) // 2  # about 20 s in: chunk 1's range (8-26 s)
    data[middle:middle + 64 * 1024] = bytes(range(256)) * 256
    damaged.write_bytes(bytes(data))

    with pytest.raises(SourceCorrupt) as raised:
        transcode_in_chunks(damaged, info, tmp_path / "out", tmp_path / "work",
                            on_progress=lambda _: None, timeout_seconds=300,
                            chunk_count=CHUNKS, ladder=LADDER, cores=2)

    assert raised.value.code == "source_corrupt" and not raised.value.retryable
    assert re.match(r"^(chunk 1 \(8 s to 26 s\)|the audio): the source does not decode "
                    r"cleanly", raised.value.reason), raised.value.reason
    assert list((tmp_path / "out").iterdir()) == []


class RangeServer(ThreadingHTTPServer):
    """Serves one file with byte ranges, as S3 does, and notes where each read starts."""

    def __init__(self, path: Path) -> None:
        super().__init__(("127.0.0.1", 0), _RangeHandler)
        self.data = path.read_bytes()
        self.starts: list[int] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/source.mp4"


class _RangeHandler(BaseHTTPRequestHandler):
    server: RangeServer

    def do_GET(self) -> None:
        data = self.server.data
        found = re.match(r"bytes=(\d+)-(\d*)", self.headers.get("Range", ""))
        start = int(found.group(1)) if found else 0
        end = int(found.group(2)) + 1 if found and found.group(2) else len(data)
        self.server.starts.append(start)
        self.send_response(206 if found else 200)
        self.send_header("Content-Length", str(end - start))
        self.send_header("Content-Range", f"bytes {start}-{end - 1}/{len(data)}")
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        # ffmpeg hangs up once it has read what it needs.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(data[start:end])

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def range_server(source: Path) -> Iterator[RangeServer]:
    server = RangeServer(source)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_a_chunk_reads_only_its_range_of_a_source_over_http(
    range_server: RangeServer, info: SourceInfo, ffmpeg: str, tmp_path: Path,
) -> None:
    middle = Chunk(1, 14.0, 26.0, 4, 2)  # 14-26 s of 40, on the one-pass grid
    command = video_chunk_command(ffmpeg, source_input(range_server.url), LADDER, middle,
                                  tmp_path, settings=DEFAULT_SETTINGS,
                                  source_seconds=info.duration_seconds, shift_seconds=0.0)
    # What the reader took from the connection, as ffmpeg counts it when it closes it
    # (what a server sends is no measure: the socket buffers soak up megabytes).
    command[command.index("-v") + 1] = "verbose"

    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)

    read = sum(int(n) for n in re.findall(r"Statistics: (\d+) bytes read", done.stderr))
    assert sorted(p.name for p in (tmp_path / "144p").glob("segment_*")) == [
        "segment_00004.m4s", "segment_00005.m4s"]
    assert 0 < read < 0.5 * len(range_server.data), (read, len(range_server.data))
    # It seeks: after the header, reading starts well into the file, not at its start.
    assert max(range_server.starts) > 0.25 * len(range_server.data), range_server.starts


def test_a_chunk_reads_a_presigned_url_of_the_emulator(
    emulator: Emulator, source: Path, info: SourceInfo, tmp_path: Path,
) -> None:
    s3 = boto3.client("s3", endpoint_url=emulator.endpoint, region_name="us-east-1",
                      aws_access_key_id="test", aws_secret_access_key="test")
    s3.create_bucket(Bucket="chunk-sources")
    s3.upload_file(str(source), "chunk-sources", "uploads/counter.mp4")
    url = s3.generate_presigned_url("get_object", ExpiresIn=600, Params={
        "Bucket": "chunk-sources", "Key": "uploads/counter.mp4"})
    plan = plan_chunks(info.duration_seconds, LADDER.frame_rate,
                       grid=one_pass_grid(DEFAULT_SETTINGS),
                       keyframe_seconds=DEFAULT_SETTINGS.keyframe_seconds, chunk_count=CHUNKS)

    try:
        encode_video_chunk(url, LADDER, plan.chunks[-1], tmp_path / "last",
                           on_progress=lambda _: None, source_seconds=info.duration_seconds,
                           shift_seconds=0.0, timeout_seconds=120, threads=1)
    finally:
        s3.delete_object(Bucket="chunk-sources", Key="uploads/counter.mp4")
        s3.delete_bucket(Bucket="chunk-sources")

    segments = sorted(p.name for p in (tmp_path / "last" / "144p").glob("segment_*"))
    assert segments[0] == "segment_00006.m4s" and len(segments) in (2, 3)


@dataclass(frozen=True)
class Tracks:
    one_pass: TranscodeResult
    reference: Path  # the one-pass folder
    chunked: ChunkedTranscode


@pytest.fixture(scope="module")
def tracks(ffmpeg: str, tmp_path_factory: pytest.TempPathFactory) -> Tracks:
    """tracks.mkv transcoded in one pass, and in chunks (one chunk and the audio task: 6 s
    is too short for two, and the audio and subtitles are what is new here)."""
    folder = tmp_path_factory.mktemp("tracks")
    source = render_tracks_source(ffmpeg, folder)
    one_pass = transcode(source, folder / "one-pass", on_progress=lambda _: None,
                         timeout_seconds=120)
    chunked = transcode_in_chunks(source, probe_source(source), folder / "out",
                                  folder / "work", on_progress=lambda _: None,
                                  timeout_seconds=120, cores=2)
    return Tracks(one_pass, folder / "one-pass", chunked)


def test_a_chunked_transcode_has_the_one_pass_audio_and_subtitle_renditions(
    ffmpeg: str, tracks: Tracks,
) -> None:
    one_pass, reference, chunked = tracks.one_pass, tracks.reference, tracks.chunked
    output = chunked.output_dir
    master = (output / chunked.master_playlist).read_text()
    expected = (reference / one_pass.master_playlist).read_text()

    for kind, count in (("AUDIO", 3), ("SUBTITLES", 2)):
        assert media_lines(master, kind) == media_lines(expected, kind)
        assert len(media_lines(master, kind)) == count
    variants = [line for line in master.splitlines() if line.startswith("#EXT-X-STREAM-INF")]
    assert variants and all('AUDIO="aud"' in v and 'SUBTITLES="subs"' in v for v in variants)
    assert chunked.subtitles == one_pass.subtitles and chunked.notes == one_pass.notes == ()
    assert [a.name for a in chunked.audio] == [t.name for t in one_pass.audio_tracks]
    for folder, says in RENDITIONS.items():
        status, errors, described = read_back(ffmpeg, output / folder / PLAYLIST_NAME)
        assert status == 0 and errors == "", (folder, errors)
        assert says in described, (folder, described)
    # The same cues, each mapped to its own video's first frame. The chunks' timestamps
    # keep a Matroska source's millisecond grid (41 ms for 1/24 s), the one pass's do
    # not: maps and segment ends may differ by under a millisecond (so a cue ending on a
    # boundary may reach into one more segment, a duplicate players drop), never by a frame.
    for track in ("en", "fr"):
        ours, theirs = (cues_mapped(folder / "subtitles" / track)
                        for folder in (output, reference))
        assert ours[1] == theirs[1] and ours[1]
        assert all(abs(a - b) < 90 for a, b in zip(ours[0], theirs[0], strict=True))


def cues_mapped(folder: Path) -> tuple[list[int], list[str]]:
    """The X-TIMESTAMP-MAP MPEGTS (90 kHz ticks) of each WebVTT segment in `folder`, and
    the cues they hold, each once, in order."""
    mapped, cues = [], []
    for segment in sorted(folder.glob("segment_*.vtt")):
        text = segment.read_text()
        found = re.search(r"X-TIMESTAMP-MAP=MPEGTS:(\d+),", text)
        assert found, text
        mapped.append(int(found.group(1)))
        cues += [cue for cue in text.split("\n\n")[1:] if cue.strip() and cue not in cues]
    return mapped, cues


@pytest.fixture(scope="module")
def fleet(emulator: Emulator, tracks: Tracks,
          tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    """tracks.mkv through the fleet's tasks (its one chunk, the audio, then the finish, here
    one after the other) against the emulator: the `ready` event and the version's files."""
    reference, chunked = tracks.reference, tracks.chunked
    name, work = uuid.uuid4().hex[:8], tmp_path_factory.mktemp("fleet")
    stack = Stack(emulator.endpoint, f"uploads-{name}", f"media-{name}", "")
    for bucket in (stack.uploads, stack.media):
        stack.s3().create_bucket(Bucket=bucket)
    stack = dataclasses.replace(stack, queue_url=stack.sqs().create_queue(
        QueueName=f"events-{name}")["QueueUrl"])
    stack.s3().upload_file(str(reference.parent / TRACKS_SOURCE), stack.uploads, "m/tracks.mkv")
    ladder = chunked.ladder
    common = ["--source-bucket", stack.uploads, "--source-key", "m/tracks.mkv",
              "--movie-id", "m-1", "--version", "v1", "--media-bucket", stack.media,
              "--events-queue-url", stack.queue_url, "--job-id", "job-1.1",
              "--ladder", ladder_to_json(ladder),
              "--source-seconds", repr(chunked.plan.source_seconds),
              "--shift", repr(chunked.shift), "--timeout", "120",
              "--work-dir", str(work)]
    handler = signal.getsignal(signal.SIGTERM)  # a task takes SIGTERM over
    try:
        with pytest.MonkeyPatch.context() as environment:
            # What a task finds AWS through, as the local runner starts it.
            environment.setenv("AWS_ENDPOINT_URL", emulator.endpoint)
            for task in (["chunk", "--chunk", chunk_to_json(chunked.plan.chunks[0])],
                         ["chunk-audio"], ["chunk-finish", "--chunk-count", "1"]):
                args = build_parser().parse_args([*task, *common])
                assert args.command(args) == 0, task
    finally:
        signal.signal(signal.SIGTERM, handler)
    [ready] = [event for event in events(stack) if event["type"] == "ready"]
    output = work / "published"
    for item in stack.s3().list_objects_v2(Bucket=stack.media)["Contents"]:
        path = output / item["Key"].removeprefix("videos/m-1/v1/")
        path.parent.mkdir(parents=True, exist_ok=True)
        stack.s3().download_file(stack.media, item["Key"], str(path))
    return ready, output


def test_the_fleet_publishes_the_one_pass_audio_and_subtitle_renditions(
    ffmpeg: str, tracks: Tracks, fleet: tuple[dict[str, Any], Path],
) -> None:
    one_pass, reference = tracks.one_pass, tracks.reference
    ready, output = fleet
    master = (output / "master.m3u8").read_text()
    expected = (reference / one_pass.master_playlist).read_text()

    for kind, count in (("AUDIO", 3), ("SUBTITLES", 2)):
        assert media_lines(master, kind) == media_lines(expected, kind)
        assert len(media_lines(master, kind)) == count
    assert [(t["name"], t["channels"], t["default"]) for t in ready["audio_tracks"]] == [
        (t.name, t.channels, t.default) for t in one_pass.audio_tracks]
    assert [(t["track"], t["kind"], t["cue_count"]) for t in ready["subtitles"]] == [
        (t.track, t.kind, t.cue_count) for t in one_pass.subtitles]
    for folder, says in RENDITIONS.items():
        status, errors, described = read_back(ffmpeg, output / folder / PLAYLIST_NAME)
        assert status == 0 and errors == "", (folder, errors)
        assert says in described, (folder, described)
    assert not list(output.glob("chunks/*"))  # the manifests have served
