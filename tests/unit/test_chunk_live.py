"""The finish task's publishing of a chunked transcode while its tasks run (chunk_live.py),
on hand-written manifests and a fake object store: only the contiguous finished prefix of
chunks is listed, the master and `playable` come once chunk 0 and the audio are up, and a
chunk that does not join is never listed. And the audio task's growing playlist, which a
retry of the task never shrinks. With several audio renditions (issue 20), the master of
either path waits for each one's first segments, and lists them all."""

from __future__ import annotations

import base64
import json
import struct
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "containers" / "transcoder"))

from transcoder.audio_tracks import AudioPlan
from transcoder.chunk_live import ChunkedLivePublisher
from transcoder.errors import TranscodeTimedOut
from transcoder.ffmpeg_process import Deadline
from transcoder.hls import parse_media_playlist
from transcoder.ladder import RenditionLadder, Rung
from transcoder.progressive import LivePublisher, Playable
from transcoder.publish import GROWING, Publication
from transcoder.results import EncodePlan
from transcoder.stitch import ChunksDoNotFit

from tests.support.tracks import media_lines
from tests.unit.test_progressive_publish import (
    AUDIO_TIMESCALE,
    SEGMENTS,
    SETTINGS,
    SOURCE,
    VIDEO_TIMESCALE,
    init_segment,
    media_segment,
)
from tests.unit.test_transcoder_job import FakeStore

LADDER = RenditionLadder(rungs=(Rung("144p", 256, 144, 300, 600),), frame_rate=25.0,
                         audio=True)
PREFIX = "videos/m/v1/"
# A French stream tagged default (stereo and 5.1) and an English one, as plan_audio makes them.
AUDIO = (AudioPlan("audio", 1, "fr", "Français", 2, True, 128),
         AudioPlan("audio_1_6ch", 1, "fr", "Français 5.1", 6, False, 384),
         AudioPlan("audio_0", 0, "en", "English", 2, False, 128))
# Three chunks on the one-pass grid (2, 4, 8, 14, 20 s...): 0-8 s, 8-20 s, 20 s to the end.
PLAN = [(0, 0.0, 8.0, 0, [(0.0, 2.0), (2.0, 2.0), (4.0, 4.0)]),
        (1, 8.0, 20.0, 3, [(8.0, 6.0), (14.0, 6.0)]),
        (2, 20.0, None, 5, [(20.0, 6.0), (26.0, 4.0)])]


def box(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(body), kind) + body


INIT = box(b"moov", box(b"avcC", bytes([1, 0x64, 0x00, 0x1F])))  # High, level 3.1


def manifest(index: int, *, shift: float = 0.0) -> bytes:
    _, start, end, first, segments = PLAN[index]
    chunk = {"index": index, "start_seconds": start, "end_seconds": end,
             "first_segment": first, "segments": len(segments)}
    listed = [{"name": f"segment_{first + n:05d}.m4s", "start": at + shift,
               "duration": seconds, "bytes": 1000} for n, (at, seconds) in enumerate(segments)]
    variant = {"init": "init_0.mp4", "init_bytes": base64.b64encode(INIT).decode(),
               "segments": listed}
    return json.dumps({"task": f"c{index}", "chunk": chunk,
                       "variants": {"144p": variant}}).encode()


class Tasks:
    """What the tasks have put up so far, as the finish reads it (relative keys)."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def read(self, relative: str) -> bytes | None:
        return self.objects.get(relative)

    def chunk_done(self, index: int, **options: Any) -> None:
        self.objects[f"chunks/c{index}.json"] = manifest(index, **options)


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


def publisher(tasks: Tasks, store: FakeStore, tmp_path: Path, played: list[Playable],
              audio: tuple[AudioPlan, ...] = ()) -> ChunkedLivePublisher:
    return ChunkedLivePublisher(tasks.read, Publication(store, "media", PREFIX),
                                tmp_path / "live", LADDER, chunk_count=3,
                                source_seconds=30.0, on_playable=played.append, audio=audio)


def listed(store: FakeStore) -> list[str]:
    playlist = parse_media_playlist(store.uploaded[f"{PREFIX}144p/index.m3u8"].body.decode())
    assert not playlist.ended and playlist.init_uri == "init_0.mp4"
    return [segment.uri for segment in playlist.segments]


def test_only_the_contiguous_finished_prefix_is_listed_and_it_plays_once(
    store: FakeStore, tmp_path: Path,
) -> None:
    tasks, played = Tasks(), list[Playable]()
    live = publisher(tasks, store, tmp_path, played)

    tasks.chunk_done(1)  # a later chunk first: it waits for chunk 0
    tasks.objects["audio/index.m3u8"] = b"#EXTM3U\n"
    assert not live.look()
    assert store.upload_order == [] and played == []

    tasks.chunk_done(0)
    assert not live.look()
    assert listed(store) == [f"segment_{n:05d}.m4s" for n in range(5)]
    playlist = f"{PREFIX}144p/index.m3u8"
    assert store.upload_order == [playlist, f"{PREFIX}master.m3u8"]  # the master last
    assert store.uploaded[playlist].cache_control == GROWING
    [playable] = played
    [rendition] = playable.renditions
    assert (rendition.bandwidth, rendition.codecs, rendition.segments) == (
        (300 + 128) * 1000, "avc1.64001f,mp4a.40.2", 5)
    assert playable.audio and playable.duration == 30.0

    tasks.chunk_done(2)
    assert not live.look()  # the audio's manifest is not up yet
    assert listed(store) == [f"segment_{n:05d}.m4s" for n in range(7)]
    tasks.objects["chunks/audio.json"] = b"{}"
    assert live.look() and live.complete
    assert len(played) == 1 and store.upload_order.count(f"{PREFIX}master.m3u8") == 1


def test_the_master_waits_for_the_audios_first_segments(
    store: FakeStore, tmp_path: Path,
) -> None:
    tasks, played = Tasks(), list[Playable]()
    live = publisher(tasks, store, tmp_path, played)
    tasks.chunk_done(0)

    live.look()
    assert played == [] and f"{PREFIX}master.m3u8" not in store.uploaded
    assert listed(store) == [f"segment_{n:05d}.m4s" for n in range(3)]

    tasks.objects["audio/index.m3u8"] = b"#EXTM3U\n"
    live.look()
    assert len(played) == 1 and f"{PREFIX}master.m3u8" in store.uploaded


def test_a_chunk_that_does_not_join_is_never_listed(store: FakeStore, tmp_path: Path) -> None:
    tasks, played = Tasks(), list[Playable]()
    live = publisher(tasks, store, tmp_path, played)
    tasks.chunk_done(0)
    live.look()
    tasks.chunk_done(1, shift=0.5)  # starts half a second after chunk 0 ends

    with pytest.raises(ChunksDoNotFit, match=r"starts at 8\.5"):
        live.look()
    assert listed(store) == [f"segment_{n:05d}.m4s" for n in range(3)]


def test_following_ends_when_the_deadline_passes(store: FakeStore, tmp_path: Path) -> None:
    now = [0.0]
    live = publisher(Tasks(), store, tmp_path, [])

    def sleep(seconds: float) -> None:
        now[0] += seconds

    with pytest.raises(TranscodeTimedOut):
        live.follow(Deadline(5.0, clock=lambda: now[0]), poll_seconds=1.0, sleep=sleep)
    assert now[0] == 5.0


def test_a_retried_audio_task_never_shrinks_the_playlist_its_predecessor_published(
    store: FakeStore, tmp_path: Path,
) -> None:
    live = LivePublisher(Publication(store, "media", PREFIX), tmp_path / "live",
                         on_playable=None)
    folder = tmp_path / "out" / "audio"
    folder.mkdir(parents=True)
    live.watch(tmp_path / "out", ["audio"], 6, listed={"audio": 3})
    (folder / "init.mp4").write_bytes(init_segment(AUDIO_TIMESCALE, video=False))

    def written(count: int) -> None:
        for number, (start, seconds) in enumerate(SEGMENTS[:count]):
            (folder / f"segment_{number:05d}.m4s").write_bytes(
                media_segment(start, seconds, AUDIO_TIMESCALE))

    written(2)
    live.publish_finished()
    assert f"{PREFIX}audio/segment_00001.m4s" in store.uploaded
    assert f"{PREFIX}audio/index.m3u8" not in store.uploaded  # it would list 2 of 3

    written(3)
    live.publish_finished()
    playlist = parse_media_playlist(store.uploaded[f"{PREFIX}audio/index.m3u8"].body.decode())
    assert len(playlist.segments) == 3 and not playlist.ended
    assert f"{PREFIX}master.m3u8" not in store.uploaded  # the finish task writes the master


def audio_entries(store: FakeStore) -> list[tuple[str, str, str, str]]:
    master = store.uploaded[f"{PREFIX}master.m3u8"].body.decode()
    return [(m["URI"], m["LANGUAGE"], m["DEFAULT"], m["CHANNELS"])
            for m in media_lines(master, "AUDIO")]


EVERY_AUDIO = [("audio/index.m3u8", "fr", "YES", "2"), ("audio_1_6ch/index.m3u8", "fr", "NO", "6"),
               ("audio_0/index.m3u8", "en", "NO", "2")]


def test_the_chunked_master_waits_for_every_audio_renditions_first_segments(
    store: FakeStore, tmp_path: Path,
) -> None:
    tasks, played = Tasks(), list[Playable]()
    live = publisher(tasks, store, tmp_path, played, audio=AUDIO)
    tasks.chunk_done(0)
    for name in ("audio", "audio_1_6ch"):  # the English one has nothing up yet
        tasks.objects[f"{name}/index.m3u8"] = b"#EXTM3U\n"

    live.look()
    assert played == [] and f"{PREFIX}master.m3u8" not in store.uploaded

    tasks.objects["audio_0/index.m3u8"] = b"#EXTM3U\n"
    live.look()
    [playable] = played
    assert audio_entries(store) == EVERY_AUDIO
    # Estimated with the heaviest audio a player may pick: the 5.1 one.
    assert playable.renditions[0].bandwidth == (300 + 384) * 1000


def test_the_one_pass_master_waits_for_every_audio_renditions_first_segment(
    store: FakeStore, tmp_path: Path,
) -> None:
    played = list[Playable]()
    # The thread polls once an hour: the test says when a pass happens.
    live = LivePublisher(Publication(store, "media", PREFIX), tmp_path / "live",
                         on_playable=played.append, poll_seconds=3600)
    output = tmp_path / "out"
    ladder = RenditionLadder(rungs=(Rung("480p", 854, 480, 1600, 3200),), frame_rate=24.0,
                             audio=True)

    def first_segment(name: str) -> None:
        timescale = VIDEO_TIMESCALE if name == "480p" else AUDIO_TIMESCALE
        (output / name).mkdir(parents=True)
        (output / name / "init_0.mp4").write_bytes(init_segment(timescale,
                                                                video=name == "480p"))
        (output / name / "segment_00000.m4s").write_bytes(media_segment(*SEGMENTS[0],
                                                                        timescale))

    live.start(EncodePlan(SOURCE, ladder, SETTINGS, output, AUDIO))
    try:
        for name in ("480p", "audio", "audio_1_6ch"):
            first_segment(name)
        live.publish_finished()
        assert played == [] and f"{PREFIX}master.m3u8" not in store.uploaded

        first_segment("audio_0")
        live.publish_finished()
    finally:
        live.stop()

    [playable] = played
    assert audio_entries(store) == EVERY_AUDIO
    assert store.upload_order.index(f"{PREFIX}master.m3u8") > max(
        store.upload_order.index(f"{PREFIX}{plan.name}/index.m3u8") for plan in AUDIO)
    assert playable.renditions[0].bandwidth == (1600 + 384) * 1000
