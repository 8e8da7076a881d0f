"""Progressive publishing without ffmpeg: the playlist writer, fMP4 timing, and the live
publisher reading a folder as ffmpeg writes it (files made here, step by step) into an
in-memory object store."""

from __future__ import annotations

import signal
import struct
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "containers" / "transcoder"))

from transcoder.errors import TranscodeFailed, UploadFailed
from transcoder.events import JobIdentity
from transcoder.ffmpeg_command import EncoderSettings
from transcoder.fmp4 import fragment_timing, track_timing
from transcoder.hls import MediaPlaylist, MediaSegment, parse_media_playlist, render_media_playlist
from transcoder.hls_output import VariantFolder, write_media_playlists
from transcoder.job import JobRequest, run_job
from transcoder.ladder import RenditionLadder, Rung
from transcoder.progress import ProgressCallback
from transcoder.progressive import LivePublisher, Playable
from transcoder.publish import Publication, publish_folder
from transcoder.results import EncodePlan, TranscodeResult
from transcoder.source import SourceInfo, SourceInput

from tests.unit.test_transcoder_job import RESULT, FakeEvents, FakeStore

PREFIX = "videos/m-42/v1/"
LADDER = RenditionLadder(rungs=(Rung("480p", 854, 480, 1600, 3200),
                                Rung("720p", 1280, 720, 3200, 6400)),
                         frame_rate=24.0, audio=True)
SOURCE = SourceInfo(container="mov,mp4,m4a,3gp,3g2,mj2", duration_seconds=40.0, width=1280,
                    height=720, frame_rate=24.0, video_codec="h264", has_audio=True,
                    audio_codec="aac", size_bytes=11)
SETTINGS = EncoderSettings()
VIDEO_TIMESCALE, AUDIO_TIMESCALE = 12288, 48000
# What ffmpeg's segments of a 12 s source hold: (start, duration) in seconds.
SEGMENTS = [(0.0, 2.0), (2.0, 2.0), (4.0, 4.0), (8.0, 4.0)]


def box(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(body), kind) + body


def init_segment(timescale: int, *, video: bool) -> bytes:
    mdhd = box(b"mdhd", bytes(4) + bytes(8) + struct.pack(">II", timescale, 0) + bytes(4))
    # avcC: configuration version 1, then profile 100 (High), constraints 0, level 3.1.
    sample_entry = box(b"avcC", bytes([1, 0x64, 0x00, 0x1F])) if video else b""
    trex = box(b"trex", bytes(4) + struct.pack(">IIIII", 1, 1, 0, 0, 0))
    trak = box(b"trak", box(b"mdia", mdhd + box(b"stsd", sample_entry)))
    return box(b"ftyp", b"iso6") + box(b"moov", trak + box(b"mvex", trex))


def media_segment(start: float, duration: float, timescale: int) -> bytes:
    """One fragment of samples of 1/24 s (video) or 1024 ticks (audio), with explicit
    durations, as ffmpeg writes them."""
    sample = timescale // 24 if timescale == VIDEO_TIMESCALE else 1024
    count = round(duration * timescale / sample)
    trun = box(b"trun", struct.pack(">I", 0x000301) + struct.pack(">Ii", count, 0)
               + b"".join(struct.pack(">II", sample, 100) for _ in range(count)))
    tfdt = box(b"tfdt", struct.pack(">I", 0x01000000) + struct.pack(">Q",
                                                                    round(start * timescale)))
    tfhd = box(b"tfhd", struct.pack(">II", 0x020000, 1))
    moof = box(b"moof", box(b"mfhd", bytes(8)) + box(b"traf", tfhd + tfdt + trun))
    return box(b"styp", b"msdh") + moof + box(b"mdat", bytes(100 * count))


class FfmpegOutput:
    """Writes a variant folder the way ffmpeg does: the init first, each segment under a
    temporary name and then renamed."""

    def __init__(self, output_dir: Path) -> None:
        self.output_dir = output_dir
        self.variants = {"480p": (0, VIDEO_TIMESCALE), "720p": (1, VIDEO_TIMESCALE),
                         "audio": (2, AUDIO_TIMESCALE)}
        for name, (index, timescale) in self.variants.items():
            (output_dir / name).mkdir(parents=True)
            (output_dir / name / f"init_{index}.mp4").write_bytes(
                init_segment(timescale, video=name != "audio"))
            # ffmpeg's own one-entry playlist: never published.
            (output_dir / name / "index.m3u8").write_text("#EXTM3U\n")

    def segment(self, name: str, number: int, *, finished: bool = True) -> Path:
        start, duration = SEGMENTS[number]
        path = self.output_dir / name / f"segment_{number:05d}.m4s"
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_bytes(media_segment(start, duration, self.variants[name][1]))
        if finished:
            temporary.rename(path)
        return path

    def segments(self, number: int) -> None:
        for name in self.variants:
            self.segment(name, number)


def plan(output_dir: Path) -> EncodePlan:
    return EncodePlan(SOURCE, LADDER, SETTINGS, output_dir)


class Announcements:
    def __init__(self) -> None:
        self.heard: list[Playable] = []

    def __call__(self, playable: Playable) -> None:
        self.heard.append(playable)


@pytest.fixture
def output(tmp_path: Path) -> FfmpegOutput:
    return FfmpegOutput(tmp_path / "output")


def publisher(store: FakeStore, tmp_path: Path, heard: Announcements) -> LivePublisher:
    # The thread polls once an hour: each test says when a pass happens.
    return LivePublisher(Publication(store, "media", PREFIX), tmp_path / "live",
                         on_playable=heard, poll_seconds=3600)


def playlist_at(store: FakeStore, name: str) -> MediaPlaylist:
    return parse_media_playlist(store.uploaded[PREFIX + name + "/index.m3u8"].body.decode())


# The playlist writer

def test_a_growing_playlist_is_an_event_playlist_of_what_it_lists_without_endlist() -> None:
    playlist = MediaPlaylist(6, "init_0.mp4", (MediaSegment("segment_00000.m4s", 2.0),
                                               MediaSegment("segment_00001.m4s", 2.0)),
                             ended=False)

    text = render_media_playlist(playlist)

    lines = text.splitlines()
    assert lines[:7] == ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-TARGETDURATION:6",
                        "#EXT-X-MEDIA-SEQUENCE:0", "#EXT-X-PLAYLIST-TYPE:EVENT",
                        "#EXT-X-INDEPENDENT-SEGMENTS", '#EXT-X-MAP:URI="init_0.mp4"']
    assert lines[7:] == ["#EXTINF:2.000000,", "segment_00000.m4s",
                         "#EXTINF:2.000000,", "segment_00001.m4s"]
    assert parse_media_playlist(text) == playlist


def test_a_finished_playlist_ends_with_endlist_and_keeps_its_type() -> None:
    playlist = MediaPlaylist(6, "init_0.mp4", (MediaSegment("segment_00000.m4s", 5.5),),
                             ended=True)

    text = render_media_playlist(playlist)

    assert text.endswith("segment_00000.m4s\n#EXT-X-ENDLIST\n")
    assert "#EXT-X-PLAYLIST-TYPE:EVENT" in text
    assert parse_media_playlist(text).ended


# fMP4 timing

def test_a_segment_says_when_it_starts_and_how_long_it_plays() -> None:
    track = track_timing(init_segment(VIDEO_TIMESCALE, video=True))

    timing = fragment_timing(media_segment(8.0, 4.0, VIDEO_TIMESCALE), track)

    assert (track.timescale, timing.start, timing.duration) == (VIDEO_TIMESCALE, 8.0, 4.0)


def test_a_segment_cut_short_is_unreadable() -> None:
    track = track_timing(init_segment(AUDIO_TIMESCALE, video=False))
    whole = media_segment(0.0, 2.0, AUDIO_TIMESCALE)

    with pytest.raises(ValueError, match="runs past"):
        fragment_timing(whole[:len(whole) - 10], track)


# The folder ffmpeg writes

def test_a_folder_yields_each_finished_segment_once_and_never_an_unfinished_one(
        output: FfmpegOutput) -> None:
    variant = VariantFolder(output.output_dir / "480p")
    assert (variant.scan(), variant.init) == ([], None)

    output.segment("480p", 0)
    output.segment("480p", 1, finished=False)
    first = variant.scan()
    output.segment("480p", 1)
    output.segment("480p", 2)
    then = variant.scan()

    assert [(s.path.name, s.start, s.duration) for s in first] == [
        ("segment_00000.m4s", 0.0, 2.0)]
    assert [s.path.name for s in then] == ["segment_00001.m4s", "segment_00002.m4s"]
    assert variant.scan() == []
    assert variant.init == output.output_dir / "480p" / "init_0.mp4"


def test_the_finished_playlists_list_every_segment_and_end(output: FfmpegOutput) -> None:
    for number in range(len(SEGMENTS)):
        output.segments(number)

    write_media_playlists(output.output_dir, ["480p", "720p", "audio"], 6)

    playlist = parse_media_playlist((output.output_dir / "720p" / "index.m3u8").read_text())
    assert playlist == MediaPlaylist(6, "init_1.mp4", tuple(
        MediaSegment(f"segment_{n:05d}.m4s", duration)
        for n, (_, duration) in enumerate(SEGMENTS)), ended=True)


def test_renditions_whose_segments_start_apart_fail(output: FfmpegOutput) -> None:
    output.segments(0)
    (output.output_dir / "720p" / "segment_00000.m4s").write_bytes(
        media_segment(0.5, 2.0, VIDEO_TIMESCALE))

    with pytest.raises(TranscodeFailed, match="do not start at the same times"):
        write_media_playlists(output.output_dir, ["480p", "720p", "audio"], 6)


# The live publisher

def test_segments_go_up_before_the_playlist_that_lists_them(
        output: FfmpegOutput, tmp_path: Path) -> None:
    store, heard = FakeStore(), Announcements()
    live = publisher(store, tmp_path, heard)
    live.start(plan(output.output_dir))
    try:
        live.publish_finished()
        assert store.upload_order == []

        output.segment("480p", 0)
        output.segment("480p", 1, finished=False)
        live.publish_finished()
    finally:
        live.stop()

    assert store.upload_order[:2] in (
        [PREFIX + "480p/init_0.mp4", PREFIX + "480p/segment_00000.m4s"],
        [PREFIX + "480p/segment_00000.m4s", PREFIX + "480p/init_0.mp4"])
    assert store.upload_order[2:] == [PREFIX + "480p/index.m3u8"]
    growing = store.uploaded[PREFIX + "480p/index.m3u8"]
    assert growing.cache_control == "no-cache"
    assert playlist_at(store, "480p") == MediaPlaylist(
        6, "init_0.mp4", (MediaSegment("segment_00000.m4s", 2.0),), ended=False)
    assert store.uploaded[PREFIX + "480p/segment_00000.m4s"].cache_control == \
        "public, max-age=31536000, immutable"
    assert heard.heard == []


def test_the_master_goes_up_once_every_variant_has_a_segment_and_playable_is_heard_once(
        output: FfmpegOutput, tmp_path: Path) -> None:
    store, heard = FakeStore(), Announcements()
    live = publisher(store, tmp_path, heard)
    live.start(plan(output.output_dir))
    try:
        output.segment("480p", 0)
        output.segment("720p", 0)
        live.publish_finished()
        assert PREFIX + "master.m3u8" not in store.uploaded

        output.segment("audio", 0)
        output.segment("480p", 1)
        live.publish_finished()
        output.segment("720p", 1)
        output.segment("audio", 1)
        output.segments(2)
        live.publish_finished()
    finally:
        live.stop()

    assert store.upload_order.index(PREFIX + "master.m3u8") > max(
        store.upload_order.index(PREFIX + f"{name}/index.m3u8")
        for name in ("480p", "720p", "audio"))
    master = store.uploaded[PREFIX + "master.m3u8"]
    assert master.cache_control == "no-cache"
    assert master.body.decode().splitlines() == [
        "#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS",
        '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="Original",DEFAULT=YES,AUTOSELECT=YES,'
        'CHANNELS="2",URI="audio/index.m3u8"',
        "#EXT-X-STREAM-INF:BANDWIDTH=1728000,AVERAGE-BANDWIDTH=1728000,RESOLUTION=854x480,"
        'CODECS="avc1.64001f,mp4a.40.2",FRAME-RATE=24.000,AUDIO="aud"',
        "480p/index.m3u8",
        "#EXT-X-STREAM-INF:BANDWIDTH=3328000,AVERAGE-BANDWIDTH=3328000,RESOLUTION=1280x720,"
        'CODECS="avc1.64001f,mp4a.40.2",FRAME-RATE=24.000,AUDIO="aud"',
        "720p/index.m3u8",
    ]
    (playable,) = heard.heard
    assert (playable.master_playlist, playable.audio, playable.duration) == (
        "master.m3u8", True, 40.0)
    low, high = playable.renditions
    assert (low.name, low.segments, low.bandwidth, low.playlist) == (
        "480p", 2, 1_728_000, "480p/index.m3u8")
    assert low.bytes == sum((output.output_dir / "480p" / name).stat().st_size
                            for name in ("init_0.mp4", "segment_00000.m4s",
                                         "segment_00001.m4s"))
    assert (high.name, high.segments) == ("720p", 1)
    assert [s.uri for s in playlist_at(store, "720p").segments] == [
        "segment_00000.m4s", "segment_00001.m4s", "segment_00002.m4s"]


def test_finishing_publishes_the_last_segments_and_the_final_upload_skips_them(
        output: FfmpegOutput, tmp_path: Path) -> None:
    store, heard = FakeStore(), Announcements()
    live = publisher(store, tmp_path, heard)
    live.start(plan(output.output_dir))
    output.segments(0)
    live.publish_finished()
    for number in range(1, len(SEGMENTS)):
        output.segments(number)
    write_media_playlists(output.output_dir, ["480p", "720p", "audio"], 6)
    (output.output_dir / "master.m3u8").write_text("#EXTM3U\n")

    published = live.finish()
    publish_folder(store, output.output_dir, "media", PREFIX, "master.m3u8",
                   publication=Publication(store, "media", PREFIX), published=published)

    segment_keys = [k for k in store.upload_order if k.endswith((".m4s", ".mp4"))]
    assert len(segment_keys) == len(set(segment_keys)) == 3 * (len(SEGMENTS) + 1)
    assert store.upload_order[-1] == PREFIX + "master.m3u8"
    final = store.uploaded[PREFIX + "audio/index.m3u8"]
    assert final.cache_control == "public, max-age=3600"
    assert playlist_at(store, "audio").ended
    assert len(playlist_at(store, "audio").segments) == len(SEGMENTS)
    assert len(heard.heard) == 1


def test_an_upload_failing_in_the_thread_is_raised_to_the_job(
        output: FfmpegOutput, tmp_path: Path) -> None:
    store, heard = FakeStore(), Announcements()
    store.fail_upload = lambda key: key.endswith("segment_00001.m4s")
    live = LivePublisher(Publication(store, "media", PREFIX), tmp_path / "live",
                         on_playable=heard, poll_seconds=0.01)
    live.start(plan(output.output_dir))
    try:
        output.segments(0)
        output.segments(1)
        wait_until(lambda: live.failure is not None, "the thread to fail")
    finally:
        live.stop()

    with pytest.raises(UploadFailed, match="connection reset"):
        live.check()


@pytest.mark.skipif(sys.platform != "linux", reason="signal masks of threads")
def test_the_publishing_threads_leave_sigterm_to_the_main_thread(
        output: FfmpegOutput, tmp_path: Path) -> None:
    masks: list[set[int | signal.Signals]] = []

    class MaskRecordingStore(FakeStore):
        def upload(self, path: Path, bucket: str, key: str, *, content_type: str,
                   cache_control: str) -> None:
            masks.append(signal.pthread_sigmask(signal.SIG_BLOCK, []))
            super().upload(path, bucket, key, content_type=content_type,
                           cache_control=cache_control)

    live = LivePublisher(Publication(MaskRecordingStore(), "media", PREFIX), tmp_path / "live",
                         on_playable=Announcements(), poll_seconds=0.01)
    live.start(plan(output.output_dir))
    try:
        output.segments(0)
        # Each variant's init, segment and playlist, then the master.
        wait_until(lambda: len(masks) >= 10, "the first pass's uploads")
    finally:
        live.stop()

    assert all(signal.SIGTERM in mask and signal.SIGINT in mask for mask in masks)
    assert signal.SIGTERM not in signal.pthread_sigmask(signal.SIG_BLOCK, [])


# The job

class ProgressiveTranscoder:
    """Writes segments as ffmpeg would, lets the live publisher see them, then finishes
    the folder or fails as told."""

    def __init__(self, until: Callable[[], bool], failure: Exception | None = None) -> None:
        self.until, self.failure = until, failure

    def __call__(self, source: SourceInput, output_dir: Path, *, on_progress: ProgressCallback,
                 timeout_seconds: float, on_encode: Callable[[EncodePlan], None],
                 read_rate: float | None) -> TranscodeResult:
        output = FfmpegOutput(output_dir)
        on_encode(plan(output_dir))
        output.segments(0)
        wait_until(self.until, "the version to be playable")
        on_progress(50.0)
        if self.failure is not None:
            raise self.failure
        for number in range(1, len(SEGMENTS)):
            output.segments(number)
        write_media_playlists(output_dir, ["480p", "720p", "audio"], 6)
        for name in ("master.m3u8", "thumbnail.jpg", "sprite.jpg", "thumbnails.vtt"):
            (output_dir / name).write_text(name)
        return RESULT


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} within {timeout} s")
        time.sleep(0.01)


def run_progressive(tmp_path: Path, store: FakeStore, events: FakeEvents,
                    failure: Exception | None = None) -> dict[str, Any]:
    def playable() -> bool:  # or given up on: then the master is up all the same
        return any(e["type"] == "playable" for e in events.sent) or (
            events.refuse({"type": "playable"}) and PREFIX + "master.m3u8" in store.uploaded)

    (tmp_path / "work").mkdir()
    request = JobRequest(job=JobIdentity("job-7.1", "m-42", "v1"), source_bucket="uploads",
                         source_key="videos/m-42/trailer.mov", media_bucket="media",
                         timeout_seconds=900.0, work_dir=tmp_path / "work")
    return run_job(request, store=store, events=events,
                   transcoder=ProgressiveTranscoder(playable, failure),
                   clock=lambda: datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))


def source_store() -> FakeStore:
    return FakeStore(objects={("uploads", "videos/m-42/trailer.mov"): b"movie bytes"})


def test_a_job_says_playable_once_before_ready(tmp_path: Path) -> None:
    store, events = source_store(), FakeEvents()

    final = run_progressive(tmp_path, store, events)

    assert [e["type"] for e in events.sent] == ["playable", "progress", "ready"]
    playable = events.sent[0]
    assert playable == {
        "type": "playable", "job_id": "job-7.1", "movie_id": "m-42", "version": "v1",
        "master_playlist_key": PREFIX + "master.m3u8", "renditions": playable["renditions"],
        "audio": True, "duration": 40.0, "thumbnail_key": None,
        "at": "2026-01-02T03:04:05.000+00:00"}
    assert [(r["name"], r["playlist_key"], r["segments"]) for r in playable["renditions"]] == [
        ("480p", PREFIX + "480p/index.m3u8", 1), ("720p", PREFIX + "720p/index.m3u8", 1)]
    assert final["type"] == "ready"
    for name in ("480p", "720p", "audio"):
        playlist = playlist_at(store, name)
        assert playlist.ended
        assert all(PREFIX + f"{name}/{s.uri}" in store.uploaded for s in playlist.segments)
    assert list((tmp_path / "work").iterdir()) == []


def test_a_failure_after_playable_takes_everything_back_and_says_failed_once(
        tmp_path: Path) -> None:
    store, events = source_store(), FakeEvents()

    final = run_progressive(tmp_path, store, events, TranscodeFailed("ffmpeg was killed"))

    assert [e["type"] for e in events.sent] == ["playable", "progress", "failed"]
    assert final == events.sent[-1]
    assert store.uploaded == {}
    assert PREFIX + "master.m3u8" in store.deleted
    assert list((tmp_path / "work").iterdir()) == []


def test_a_lost_playable_event_does_not_stop_the_job(tmp_path: Path) -> None:
    events = FakeEvents(refuse=lambda event: event["type"] == "playable")

    final = run_progressive(tmp_path, source_store(), events)

    assert final["type"] == "ready"
    assert [e["type"] for e in events.sent] == ["progress", "ready"]
