"""Chunked transcoding without ffmpeg: planning, the commands' shape, stitching checks on
hand-made fMP4 boxes, and the combined progress."""

from __future__ import annotations

import struct
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "containers" / "transcoder"))

from transcoder.chunk_cli import chunk_from_json, chunk_to_json, ladder_from_json, ladder_to_json
from transcoder.chunk_command import (
    audio_command,
    parse_muxer_shift,
    source_input,
    video_chunk_command,
)
from transcoder.chunked import CombinedProgress
from transcoder.chunks import (
    Chunk,
    ChunkingPolicy,
    SegmentGrid,
    max_segments_per_chunk,
    plan_chunks,
)
from transcoder.ffmpeg_command import DEFAULT_SETTINGS
from transcoder.ladder import RenditionLadder, Rung
from transcoder.stitch import ChunksDoNotFit, Piece, init_difference, stitch_rendition

# The one-pass ladder's segments end at 2, 4, 8, 14, 20... s (ffmpeg_command._hls_muxer).
RAMPED = SegmentGrid(ramp=(2.0, 4.0), base=2.0, period=6.0)
EVEN = SegmentGrid(ramp=(), base=0.0, period=6.0)
LADDER = RenditionLadder(rungs=(Rung("144p", 256, 144, 300, 600),
                                Rung("180p", 320, 180, 400, 800)),
                         frame_rate=30000 / 1001, audio=True)


def starts(grid: SegmentGrid, count: int) -> list[float]:
    """Where the first `count` one-pass segments start."""
    ends = [*grid.ramp, *(grid.base + k * grid.period for k in range(1, count + 1))]
    return [0.0, *ends][:count]


# Planning


def test_a_source_under_the_threshold_is_one_chunk() -> None:
    plan = plan_chunks(120.0, 30.0, grid=RAMPED, keyframe_seconds=2)

    assert plan.chunks == (Chunk(0, 0.0, None, 0, 21),)
    assert not plan.chunked


def test_a_forced_count_gives_a_short_first_chunk_and_the_rest_on_segment_starts() -> None:
    plan = plan_chunks(48.0, 12.0, grid=RAMPED, keyframe_seconds=2, chunk_count=3)

    assert [(c.start_seconds, c.end_seconds, c.first_segment, c.segments)
            for c in plan.chunks] == [(0.0, 8.0, 0, 3), (8.0, 26.0, 3, 3), (26.0, None, 6, 3)]
    grid_starts = starts(RAMPED, 20)
    for chunk in plan.chunks:
        assert chunk.start_seconds == grid_starts[chunk.first_segment]


def test_segments_numbers_continue_from_chunk_to_chunk() -> None:
    plan = plan_chunks(600.0, 25.0, grid=EVEN, keyframe_seconds=2, chunk_count=5)

    for before, after in zip(plan.chunks, plan.chunks[1:], strict=False):
        assert after.first_segment == before.first_segment + before.segments
        assert after.start_seconds == before.end_seconds
    assert plan.chunks[0].end_seconds == 12.0  # the first chunk: two segments
    assert plan.chunks[-1].end_seconds is None


def test_a_long_source_is_split_into_chunks_no_longer_than_the_policy_allows() -> None:
    policy = ChunkingPolicy(threshold_seconds=150, first_chunk_seconds=12, chunk_seconds=120)

    plan = plan_chunks(2 * 3600.0, 24000 / 1001, grid=RAMPED, keyframe_seconds=2,
                       policy=policy)

    later = plan.chunks[1:]
    assert plan.chunks[0].end_seconds == 14.0
    assert all(chunk.segments <= 20 for chunk in later)  # 120 s of 6 s segments
    assert len(plan.chunks) == 1 + -(-(7200 - 14) // 120)
    assert max(c.segments for c in later) - min(c.segments for c in later) <= 1


def test_the_frame_rate_caps_a_chunk_and_a_forced_count_that_breaks_it_is_refused() -> None:
    assert max_segments_per_chunk(12.0, 2) == 22
    assert max_segments_per_chunk(30000 / 1001, 2) == 58

    with pytest.raises(ValueError, match="at most 22"):
        plan_chunks(600.0, 12.0, grid=EVEN, keyframe_seconds=2, chunk_count=2)
    capped = plan_chunks(600.0, 12.0, grid=EVEN, keyframe_seconds=2,
                         policy=ChunkingPolicy(chunk_seconds=3600))
    assert max(c.segments for c in capped.chunks[1:]) <= 22


def test_a_forced_count_beyond_the_segments_gives_one_chunk_a_segment() -> None:
    plan = plan_chunks(30.0, 30.0, grid=EVEN, keyframe_seconds=2, chunk_count=10)

    assert [c.segments for c in plan.chunks] == [2, 1, 1, 1]


def test_chunks_need_segments_of_whole_keyframe_intervals() -> None:
    with pytest.raises(ValueError, match="whole keyframe intervals"):
        plan_chunks(600.0, 30.0, grid=SegmentGrid((), 0.0, 5.0), keyframe_seconds=2,
                    chunk_count=3)


# Commands


def test_a_later_chunk_seeks_trims_keeps_its_clock_and_numbers_on(tmp_path: Path) -> None:
    chunk = Chunk(1, 14.0, 26.0, 4, 2)

    command = video_chunk_command("ffmpeg", source_input("https://bucket/source.mp4?sig=1"),
                                  LADDER, chunk, tmp_path, settings=DEFAULT_SETTINGS,
                                  source_seconds=40.0, shift_seconds=0.0667, threads=2)

    joined = " ".join(command)
    assert command[command.index("-ss") + 1] == "14.000000"
    assert command.index("-ss") < command.index("-i")
    assert "trim=end=12.000000" in command[command.index("-filter_complex") + 1]
    assert command[command.index("-output_ts_offset") + 1] == "14.000000"
    assert "movflags=+frag_discont" in command and "-reconnect" in command
    assert command[command.index("-start_number") + 1] == "4"
    for rung in range(2):  # keyframes on the source's clock, for every rung
        times = command[command.index(f"-force_key_frames:v:{rung}") + 1]
        assert times == "0,2,4,6,8,10"
    assert "-map 0:a:0" not in joined and "-threads 2" in joined


def test_the_first_chunk_is_muxed_as_the_one_pass_ladder(tmp_path: Path) -> None:
    command = video_chunk_command("ffmpeg", source_input(tmp_path / "source.mp4"), LADDER,
                                  Chunk(0, 0.0, 14.0, 0, 4), tmp_path,
                                  settings=DEFAULT_SETTINGS, source_seconds=40.0,
                                  shift_seconds=0.0667)

    assert "-ss" not in command and "+frag_discont" not in " ".join(command)
    assert command[command.index("-output_ts_offset") + 1] == "0.066700"
    assert command[command.index("-i") + 1] == f"file:{tmp_path / 'source.mp4'}"
    assert "-readrate" not in command


def test_chunks_and_the_audio_read_at_the_read_rate_when_given(tmp_path: Path) -> None:
    source = source_input("https://bucket/source.mp4?sig=1")
    chunk = video_chunk_command("ffmpeg", source, LADDER, Chunk(1, 14.0, 26.0, 4, 2),
                                tmp_path, settings=DEFAULT_SETTINGS, source_seconds=40.0,
                                shift_seconds=0.0, read_rate=2.0)
    audio = audio_command("ffmpeg", source, LADDER, tmp_path, settings=DEFAULT_SETTINGS,
                          shift_seconds=0.0, read_rate=2.0)

    for command in (chunk, audio):  # an input option: before the source
        assert command[command.index("-readrate") + 1] == "2"
        assert command.index("-readrate") < command.index("-i")


def test_the_audio_is_encoded_once_from_the_whole_source(tmp_path: Path) -> None:
    command = audio_command("ffmpeg", source_input(tmp_path / "s.mp4"), LADDER, tmp_path,
                            settings=DEFAULT_SETTINGS, shift_seconds=0.0667)

    assert "-ss" not in command and "-t" not in command and "-filter_complex" not in command
    assert command[command.index("-map") + 1] == "0:a:0"
    assert "a:0" in command[command.index("-var_stream_map") + 1]


def test_the_muxer_shift_is_the_earliest_negative_decode_time() -> None:
    framecrc = "\n".join([
        "#tb 0: 1/30", "#media_type 0: video", "#tb 1: 1/48000",
        "0,         -2,          0,        1,      813, 0xa4c5149d",
        "1,      -1024,      -1024,     1024,       21, 0x43390566",
        "0,         -1,          4,        1,       14, 0x197c0558",
    ])

    assert parse_muxer_shift(framecrc) == pytest.approx(2 / 30)
    assert parse_muxer_shift("#tb 0: 1/25\n0, 0, 0, 1, 9, 0x1\n") == 0.0
    with pytest.raises(ValueError):
        parse_muxer_shift("#tb 0: 1/25\n")


def test_ladders_and_chunks_travel_as_json() -> None:
    chunk = Chunk(2, 26.0, None, 6, 2)

    assert ladder_from_json(ladder_to_json(LADDER)) == LADDER
    assert chunk_from_json(chunk_to_json(chunk)) == chunk


# Stitching, on hand-made fMP4: init = moov(trak(edts, mdia(mdhd)), mvex(trex)).

TIMESCALE, SAMPLE_TICKS = 1000, 500  # two samples a second


def box(kind: bytes, *children: bytes) -> bytes:
    body = b"".join(children)
    return struct.pack(">I4s", 8 + len(body), kind) + body


def init_segment(edit_start: int = 0, timescale: int = TIMESCALE) -> bytes:
    elst = box(b"elst", struct.pack(">II", 0, 1), struct.pack(">IiI", 0, edit_start, 0x10000))
    mdhd = box(b"mdhd", struct.pack(">IIIII", 0, 0, 0, timescale, 0))
    trex = box(b"trex", struct.pack(">IIIII", 0, 1, 1, SAMPLE_TICKS, 0))
    return box(b"ftyp", b"iso6") + box(b"moov", box(b"trak", box(b"edts", elst),
                                                    box(b"mdia", mdhd)),
                                       box(b"mvex", trex))


def media_segment(start_seconds: float, samples: int) -> bytes:
    tfdt = box(b"tfdt", struct.pack(">IQ", 1 << 24, round(start_seconds * TIMESCALE)))
    trun = box(b"trun", struct.pack(">II", 0, samples))
    return box(b"styp", b"msdh") + box(b"moof", box(b"traf", box(b"tfhd", bytes(8)), tfdt,
                                                    trun)) + box(b"mdat")


def write_piece(folder: Path, init: bytes, first: int, segments: list[tuple[float, int]],
                init_name: str = "init_0.mp4") -> None:
    folder.mkdir(parents=True)
    (folder / init_name).write_bytes(init)
    for number, (start, samples) in enumerate(segments, start=first):
        (folder / f"segment_{number:05d}.m4s").write_bytes(media_segment(start, samples))


def two_pieces(tmp_path: Path, second: list[tuple[float, int]], *,
               second_init: bytes | None = None) -> list[Piece]:
    write_piece(tmp_path / "chunk-0" / "144p", init_segment(), 0, [(0.0, 4), (2.0, 4)])
    write_piece(tmp_path / "chunk-1" / "144p", second_init or init_segment(edit_start=8000),
                2, second)
    return [Piece(tmp_path / "chunk-0" / "144p", 0, 2, 4.0, last=False),
            Piece(tmp_path / "chunk-1" / "144p", 2, 2, 4.0, last=True)]


def test_pieces_that_continue_are_moved_beside_the_first_init_segment(tmp_path: Path) -> None:
    pieces = two_pieces(tmp_path, [(4.0, 4), (6.0, 4)])

    stitch_rendition(pieces, tmp_path / "out", frame_seconds=0.5)

    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "init_0.mp4", *(f"segment_{n:05d}.m4s" for n in range(4))]
    assert (tmp_path / "out" / "init_0.mp4").read_bytes() == init_segment()


def test_a_gap_in_decode_times_between_pieces_does_not_fit(tmp_path: Path) -> None:
    pieces = two_pieces(tmp_path, [(4.5, 4), (6.5, 4)])

    with pytest.raises(ChunksDoNotFit, match=r"starts at 4\.500000 s where the chunk before "
                                             r"ends at 4\.000000 s") as raised:
        stitch_rendition(pieces, tmp_path / "out", frame_seconds=0.5)

    assert raised.value.retryable is False
    assert not (tmp_path / "out").exists()


def test_a_piece_with_other_segments_than_planned_does_not_fit(tmp_path: Path) -> None:
    pieces = two_pieces(tmp_path, [(4.0, 4), (6.0, 4), (8.0, 4), (10.0, 4)])

    with pytest.raises(ChunksDoNotFit, match="4 segments from number 2 where the plan has 2"):
        stitch_rendition(pieces, tmp_path / "out", frame_seconds=0.5)


def test_init_segments_may_differ_in_their_edit_list_only(tmp_path: Path) -> None:
    assert init_difference(init_segment(), init_segment(edit_start=4000)) == ""
    assert init_difference(init_segment(), init_segment(timescale=90000)) == \
        "/moov/trak/mdia/mdhd"

    pieces = two_pieces(tmp_path, [(4.0, 4), (6.0, 4)],
                        second_init=init_segment(timescale=2000))
    with pytest.raises(ChunksDoNotFit, match=r"init segment differs .* in /moov/trak/mdia/mdhd"):
        stitch_rendition(pieces, tmp_path / "out", frame_seconds=0.5)


# Progress


def test_progress_is_the_chunks_percent_weighted_by_their_seconds() -> None:
    reported: list[float] = []
    progress = CombinedProgress({"chunk-0": 12.0, "chunk-1": 36.0}, reported.append)

    progress.update("chunk-0", 50.0)
    progress.update("chunk-1", 100.0)
    progress.update("audio", 100.0)  # not a share of the picture: ignored
    progress.restart("chunk-0")  # a retried chunk starts over

    assert reported == [12.5, 87.5, 75.0]


def test_progress_reaches_100_only_when_joined() -> None:
    reported: list[float] = []
    progress = CombinedProgress({"chunk-0": 1.0}, reported.append)

    progress.update("chunk-0", 100.0)
    progress.finish()

    assert reported == [99.9, 100.0]
