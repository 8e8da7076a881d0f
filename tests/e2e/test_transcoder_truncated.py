"""Media that lies, through the real ffmpeg (issue 15, item 15): a faststart MP4 cut short
still opens and probes at its full duration, and one damaged in the middle still encodes,
so both used to become `ready`. They now fail for good, saying why; healthy sources whose
streams end a little apart, or that last half a second, still become ready."""

from __future__ import annotations

import struct
import sys
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "containers" / "transcoder"))

from transcoder.binaries import find_media_tools
from transcoder.errors import SourceCorrupt, SourceTruncated
from transcoder.transcode import transcode

from devstack.emulator import Emulator
from tests.e2e.test_transcoder_job import (
    Stack,
    events,
    finish,
    published,
    s3_client,
    sqs_client,
    start_job,
    upload,
)
from tests.support.media import render_sources

X264 = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
# "+faststart" puts the index, and with it the duration, before the media it describes.
FASTSTART = ["-movflags", "+faststart"]
SOURCES: Mapping[str, list[str]] = {
    "clip.mp4": ["-f", "lavfi", "-i", "testsrc2=size=640x360:rate=24:duration=4",
                 "-f", "lavfi", "-i", "sine=frequency=440:duration=4", *X264, "-c:a", "aac",
                 *FASTSTART],
    "sound-runs-on.mp4": ["-f", "lavfi", "-i", "testsrc2=size=640x360:rate=24:duration=4",
                          "-f", "lavfi", "-i", "sine=frequency=440:duration=4.4", *X264,
                          "-c:a", "aac", *FASTSTART],
    "picture-runs-on.mp4": ["-f", "lavfi", "-i", "testsrc2=size=640x360:rate=24:duration=4.4",
                            "-f", "lavfi", "-i", "sine=frequency=440:duration=4", *X264,
                            "-c:a", "aac", *FASTSTART],
    "half-a-second.mp4": ["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=24:duration=0.5",
                          *X264, *FASTSTART],
}
MP4_CONTAINER_BOXES = frozenset({b"moov", b"trak", b"mdia", b"minf", b"stbl"})


def chunk_offsets(mp4: bytes, start: int = 0, end: int | None = None) -> list[int]:
    """Where each chunk of media starts, from the stco/co64 boxes of every track."""
    end, found = len(mp4) if end is None else end, list[int]()
    while start + 8 <= end:
        size, kind = struct.unpack(">I4s", mp4[start:start + 8])
        if size < 8:  # 0 "to the end of the file", 1 a 64-bit size: neither inside moov
            break
        if kind in MP4_CONTAINER_BOXES:
            found += chunk_offsets(mp4, start + 8, start + size)
        elif kind in (b"stco", b"co64"):
            (count,) = struct.unpack(">I", mp4[start + 12:start + 16])
            width = 4 if kind == b"stco" else 8
            table = mp4[start + 16:start + 16 + count * width]
            found += [int.from_bytes(table[i:i + width], "big") for i in range(0, len(table),
                                                                                  width)]
        start += size
    return sorted(found)


def first_60_percent(mp4: bytes) -> bytes:
    """What an upload cut short leaves: the cut splits a frame, which fails to decode."""
    return mp4[:len(mp4) * 6 // 10]


def cut_between_chunks(mp4: bytes) -> bytes:
    """Cut short where a chunk starts: every frame left decodes, only the end is missing."""
    return mp4[:max(o for o in chunk_offsets(mp4) if o <= len(mp4) * 6 // 10)]


def zeroed_middle(mp4: bytes) -> bytes:
    """A tenth of the media overwritten in the middle: the file is whole but breaks up."""
    middle, span = len(mp4) // 2, len(mp4) // 20
    return mp4[:middle - span] + bytes(2 * span) + mp4[middle + span:]


DAMAGED: Mapping[str, Callable[[bytes], bytes]] = {
    "first-60-percent.mp4": first_60_percent,
    "cut-between-chunks.mp4": cut_between_chunks,
    "zeroed-middle.mp4": zeroed_middle,
}


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = render_sources(find_media_tools().ffmpeg, tmp_path_factory.mktemp("media"),
                            SOURCES)
    clip = (folder / "clip.mp4").read_bytes()
    for name, damage in DAMAGED.items():
        (folder / name).write_bytes(damage(clip))
    return folder


@pytest.mark.parametrize("name", ["first-60-percent.mp4", "cut-between-chunks.mp4"])
def test_a_source_cut_short_fails_as_truncated_and_leaves_no_master(
    media: Path, tmp_path: Path, name: str,
) -> None:
    with pytest.raises(SourceTruncated) as raised:
        transcode(media / name, tmp_path / "out", on_progress=print, timeout_seconds=120)

    # How far it gets depends on where the chunks fall; never near the 4 s it promises.
    assert raised.value.reason.endswith(" of a 4.0 s source: the file ends before its "
                                        "container says it does")
    assert float(raised.value.reason.split()[1]) < 3.0
    assert not raised.value.retryable
    assert not (tmp_path / "out" / "master.m3u8").exists()


def test_a_source_damaged_in_the_middle_fails_as_corrupt(media: Path, tmp_path: Path) -> None:
    with pytest.raises(SourceCorrupt, match=r"^the source does not decode cleanly: ") as raised:
        transcode(media / "zeroed-middle.mp4", tmp_path / "out", on_progress=print,
                  timeout_seconds=120)

    assert type(raised.value) is SourceCorrupt and not raised.value.retryable
    assert not (tmp_path / "out" / "master.m3u8").exists()


@pytest.mark.parametrize(("name", "duration"), [
    ("clip.mp4", 4.0),
    ("sound-runs-on.mp4", 4.0),
    ("picture-runs-on.mp4", 4.4),
    ("half-a-second.mp4", 0.5),
])
def test_a_healthy_source_whose_streams_end_apart_is_not_failed(
    media: Path, tmp_path: Path, name: str, duration: float,
) -> None:
    result = transcode(media / name, tmp_path / "out", on_progress=print, timeout_seconds=120)

    assert result.duration == pytest.approx(duration, abs=0.05)
    assert (tmp_path / "out" / "master.m3u8").exists()


# --- the job, as the task runner starts it ----------------------------------------------

@pytest.fixture
def stack(moto: Emulator) -> Stack:
    name, s3, sqs = uuid.uuid4().hex[:10], s3_client(moto.endpoint), sqs_client(moto.endpoint)
    for bucket in (f"uploads-{name}", f"media-{name}"):
        s3.create_bucket(Bucket=bucket)
    queue_url = sqs.create_queue(QueueName=f"events-{name}")["QueueUrl"]
    return Stack(moto.endpoint, f"uploads-{name}", f"media-{name}", queue_url)


def test_a_job_on_a_cut_faststart_mp4_fails_for_good_and_publishes_nothing(
    stack: Stack, media: Path, tmp_path: Path,
) -> None:
    finished = finish(start_job(stack, upload(stack, media / "first-60-percent.mp4"),
                                tmp_path))

    assert finished.status == 2, finished.stderr  # the upload is bad: do not retry
    received = events(stack)
    # Its first 2 s may have been published (and taken back): a `playable` at most.
    assert [e["type"] for e in received].count("playable") <= 1
    (failed,) = [e for e in received if e["type"] not in ("progress", "playable")]
    assert (failed["type"], failed["code"], failed["retryable"]) == (
        "failed", "source_truncated", False)
    assert failed["reason"].startswith("decoded ")
    assert float(failed["reason"].split()[1]) < 3.0 and " of a 4.0 s source" in failed["reason"]
    assert published(stack) == []
    assert list(tmp_path.iterdir()) == []
