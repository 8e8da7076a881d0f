"""The first-playable bench's pure parts (bench/first_playable.py), with no stack."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import first_playable
from bench.first_playable import (
    TARGET_SECONDS,
    PipelineRun,
    first_segment_uris,
    growth_and_verdict,
    master_uris,
    report,
    turns,
)
from devstack import moto_persistence
from devstack.moto_state_file import BODIES_NAME

API = "http://127.0.0.1:9/api/video/m1"
MASTER = f"""#EXTM3U
#EXT-X-VERSION:6
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="audio",DEFAULT=YES,URI="{API}/audio/media.m3u8?token=t"
#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360,CODECS="avc1.64001e,mp4a.40.2",AUDIO="aud"
{API}/360p/media.m3u8?token=t
#EXT-X-STREAM-INF:BANDWIDTH=5000000,RESOLUTION=1920x1080,CODECS="avc1.640028,mp4a.40.2",AUDIO="aud"
1080p/media.m3u8?token=t
"""


def test_master_names_every_rendition_and_the_audio_as_absolute_urls() -> None:
    master = master_uris(f"{API}/master.m3u8?token=t", MASTER)

    assert master.renditions == [f"{API}/360p/media.m3u8?token=t",
                                 f"{API}/1080p/media.m3u8?token=t"]
    assert master.audio == [f"{API}/audio/media.m3u8?token=t"]


def test_a_master_with_no_stream_names_none() -> None:
    assert master_uris(f"{API}/master.m3u8", "#EXTM3U\n#EXT-X-VERSION:3\n") == \
        master_uris(f"{API}/master.m3u8", "")


def test_first_segment_of_a_growing_playlist_with_its_init_segment() -> None:
    playlist = ('#EXTM3U\n#EXT-X-PLAYLIST-TYPE:EVENT\n#EXT-X-MAP:URI="init.mp4"\n'
                "#EXTINF:2.000,\nsegment_000.m4s\n#EXTINF:2.000,\nsegment_001.m4s\n")

    assert first_segment_uris(f"{API}/1080p/media.m3u8", playlist) == [
        f"{API}/1080p/init.mp4", f"{API}/1080p/segment_000.m4s"]


def test_first_segment_keeps_absolute_signed_urls() -> None:
    signed = "http://s3.local/media/videos/m1/v1/audio/segment_000.ts?X-Amz-Signature=abc"

    assert first_segment_uris(f"{API}/audio/media.m3u8", f"#EXTM3U\n#EXTINF:6,\n{signed}\n") \
        == [signed]


def test_a_playlist_with_no_segment_yet_has_nothing_to_fetch() -> None:
    assert first_segment_uris(f"{API}/360p/media.m3u8",
                              "#EXTM3U\n#EXT-X-PLAYLIST-TYPE:EVENT\n#EXT-X-TARGETDURATION:2\n") \
        == []


def test_verdict_is_on_the_worst_length_and_shows_the_growth() -> None:
    rows = growth_and_verdict({2: 4.0, 20: TARGET_SECONDS + 2}, "pipeline")

    assert rows[0] == ("  pipeline, ratio 20 / 2 minutes: 3.00x (1.00x: does not grow "
                       "with length)")
    assert rows[1].endswith(f"worst {TARGET_SECONDS + 2:.1f} s (MISSED)")
    assert growth_and_verdict({2: TARGET_SECONDS}, "pipeline")[-1].endswith("(met)")
    assert growth_and_verdict({}, "pipeline") == []


def test_report_shows_both_columns_and_judges_the_pipeline(tmp_path: Path) -> None:
    sources = {}
    for minutes in (2, 20):
        sources[minutes] = tmp_path / f"{minutes}.mp4"
        sources[minutes].write_bytes(b"x" * minutes * 1_000_000)
    pipeline = {2: [PipelineRun(5.0, 6.0, 5, 0.4), PipelineRun(7.0, 8.0, 5, None),
                    PipelineRun(6.0, 7.0, 5, 0.2)],
                20: [PipelineRun(8.0, 9.0, 5)] * 3}
    alone = {2: [3.0, 4.0, 5.0], 20: [4.5] * 3}

    lines = report(sources, pipeline, alone, 3).splitlines()

    two = next(line for line in lines if line.strip().startswith("2 minutes"))
    assert two.split()[2:] == ["2MB", "7.0s", "6.0s", "0.3s", "4.0s"]  # started: of those seen
    twenty = next(line for line in lines if line.strip().startswith("20 minutes"))
    assert twenty.split()[2:] == ["20MB", "9.0s", "8.0s", "-", "4.5s"]
    assert any("pipeline, ratio 20 / 2 minutes: 1.29x" in line for line in lines)
    assert any(line.endswith("worst 9.0 s (met)") for line in lines)


def test_report_of_the_transcoder_alone_judges_that_column(tmp_path: Path) -> None:
    source = tmp_path / "2.mp4"
    source.write_bytes(b"x")

    lines = report({2: source}, {}, {2: [12.0]}, 1).splitlines()

    two = next(line for line in lines if line.strip().startswith("2 minutes"))
    assert two.split()[3:] == ["-", "-", "-", "12.0s"]
    assert any(line.endswith("(transcoder alone): worst 12.0 s (MISSED)") for line in lines)


def test_the_lengths_take_turns_and_neither_always_goes_first() -> None:
    assert turns([2, 20], 3) == [(0, 2), (0, 20), (1, 20), (1, 2), (2, 2), (2, 20)]
    assert turns([2], 2) == [(0, 2), (1, 2)]


def test_a_run_waits_for_a_body_still_being_written_to_the_state_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(moto_persistence, "SNAPSHOT_EVERY", 0.01)
    monkeypatch.setattr(first_playable, "SETTLE_WAIT_SECONDS", 0.05)
    bodies = tmp_path / BODIES_NAME
    bodies.mkdir()
    (bodies / "etag-100").write_bytes(b"written")

    first_playable.wait_for_snapshots(tmp_path)  # settled: returns
    first_playable.wait_for_snapshots(None)  # a memory-only emulator: nothing to wait for
    (bodies / ".etag-200.tmp").write_bytes(b"half")
    with pytest.raises(RuntimeError, match="still writes"):
        first_playable.wait_for_snapshots(tmp_path)
