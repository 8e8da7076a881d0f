"""Each rung's x264: its tuning by size, its share of the threads, the same B-frames and
keyframes for all; checked in the ffmpeg command, without running ffmpeg."""

from __future__ import annotations

import sys
from itertools import pairwise
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "containers" / "transcoder"))

from transcoder.encoder_tuning import (
    B_FRAME_STRATEGY,
    B_FRAMES,
    DEFAULT_TUNINGS,
    X264Tuning,
    encoder_threads,
    tuning_for,
)
from transcoder.ffmpeg_command import EncoderSettings, hls_command
from transcoder.ladder import RenditionLadder, Rung

FFMPEG = "/opt/ffmpeg"
R480 = Rung("480p", 854, 480, 1600, 3200)
R720 = Rung("720p", 1280, 720, 3200, 6400)
R1080 = Rung("1080p", 1920, 1080, 6000, 12000)
LADDER = RenditionLadder(rungs=(R480, R720, R1080), frame_rate=30.0, audio=True)
SMALL, MIDDLE, LARGE = (X264Tuning("veryfast", 22, "me=hex"), X264Tuning("faster", 21.5),
                        X264Tuning("superfast", 20, "subme=1"))
TUNINGS = ((0, SMALL), (720, MIDDLE), (1080, LARGE))


def stream_options(command: list[str], stream: int) -> dict[str, str]:
    """Every `-name:v:N value` given for output video stream N."""
    suffix = f":v:{stream}"
    return {name.removesuffix(suffix): value for name, value in pairwise(command)
            if name.startswith("-") and name.endswith(suffix)}


def test_each_rung_gets_the_tuning_of_its_size_class(tmp_path: Path) -> None:
    settings = EncoderSettings(tunings=TUNINGS, thread_budget=2)

    command = hls_command(FFMPEG, Path("/in/movie.mp4"), LADDER, tmp_path, settings)

    chosen = [stream_options(command, i) for i in range(3)]
    assert [(o["-preset"], o["-crf"]) for o in chosen] == [
        ("veryfast", "22"), ("faster", "21.5"), ("superfast", "20")]
    assert chosen[0]["-x264-params"] == "me=hex"
    assert "-x264-params" not in chosen[1]  # none given: the preset as it is
    assert chosen[2]["-x264-params"] == "subme=1"
    # and each keeps its own cap
    assert [(o["-maxrate"], o["-bufsize"]) for o in chosen] == [
        ("1600k", "3200k"), ("3200k", "6400k"), ("6000k", "12000k")]


def test_a_portrait_rung_is_classed_by_its_short_side() -> None:
    assert tuning_for(Rung("720p", 720, 1280, 3200, 6400), TUNINGS) == MIDDLE
    assert tuning_for(Rung("240p", 426, 240, 400, 800), TUNINGS) == SMALL
    assert tuning_for(Rung("2160p", 3840, 2160, 9000, 18000), TUNINGS) == LARGE


def test_a_rung_below_every_size_class_is_refused() -> None:
    with pytest.raises(ValueError, match="240p"):
        tuning_for(Rung("240p", 426, 240, 400, 800), ((480, SMALL),))


def test_the_shipped_tunings_cover_every_rung_and_keep_one_gop_shape(tmp_path: Path) -> None:
    """Segment boundaries and the muxer's shift need the same keyframes and B-frames in
    every rung, whatever its tuning."""
    assert DEFAULT_TUNINGS[0][0] == 0
    assert [side for side, _ in DEFAULT_TUNINGS] == sorted(side for side, _ in DEFAULT_TUNINGS)
    assert all("bframes" not in t.params and "b-adapt" not in t.params
               and "keyint" not in t.params for _, t in DEFAULT_TUNINGS)

    command = hls_command(FFMPEG, Path("/in/movie.mp4"), LADDER, tmp_path)

    assert [command[i + 1] for i, a in enumerate(command) if a == "-bf:v"] == [str(B_FRAMES)]
    assert [command[i + 1] for i, a in enumerate(command) if a == "-b_strategy:v"] == [
        str(B_FRAME_STRATEGY)]
    assert command.count("-force_key_frames:v") == 1 and command.count("-g:v") == 1
    assert not any(a.startswith(("-bf:v:", "-b_strategy:v:", "-g:v:", "-force_key_frames:v:"))
                   for a in command)


@pytest.mark.parametrize(("budget", "threads"), [
    (1, [1, 1, 1]), (2, [1, 1, 1]), (3, [1, 1, 2]), (4, [1, 1, 2]), (8, [1, 2, 5]),
    (16, [2, 4, 10])])
def test_the_thread_budget_is_shared_by_pixels_with_one_at_least(budget: int,
                                                                 threads: list[int]) -> None:
    assert encoder_threads(LADDER.rungs, budget) == threads


def test_the_command_gives_each_x264_its_share_of_the_budget(tmp_path: Path) -> None:
    settings = EncoderSettings(thread_budget=16)

    command = hls_command(FFMPEG, Path("/in/movie.mp4"), LADDER, tmp_path, settings)

    assert [stream_options(command, i)["-threads"] for i in range(3)] == ["2", "4", "10"]


@pytest.mark.parametrize(("cores", "threads"), [(1, ["1", "1", "1"]), (2, ["1", "1", "2"]),
                                               (16, ["2", "5", "10"])])
def test_without_a_budget_the_x264s_share_one_thread_more_than_the_cores(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cores: int, threads: list[str]) -> None:
    monkeypatch.setattr("transcoder.ffmpeg_command.available_cores", lambda: cores)

    command = hls_command(FFMPEG, Path("/in/movie.mp4"), LADDER, tmp_path)

    assert [stream_options(command, i)["-threads"] for i in range(3)] == threads


def test_a_fixed_count_per_encoder_overrides_the_share(tmp_path: Path) -> None:
    settings = EncoderSettings(thread_budget=16, threads_per_encoder=3)

    command = hls_command(FFMPEG, Path("/in/movie.mp4"), LADDER, tmp_path, settings)

    assert [stream_options(command, i)["-threads"] for i in range(3)] == ["3", "3", "3"]
