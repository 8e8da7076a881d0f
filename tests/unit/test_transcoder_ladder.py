"""The rendition ladder and the ffmpeg command that encodes it, without running ffmpeg."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "containers" / "transcoder"))

from transcoder.ffmpeg_command import (
    EncoderSettings,
    fitted_to,
    has_filter,
    hls_command,
    var_stream_map,
)
from transcoder.ladder import RenditionLadder, Rung, output_frame_rate, plan_ladder
from transcoder.source import SourceInfo


def source(width: int, height: int, *, fps: float = 30.0, audio: bool = True) -> SourceInfo:
    return SourceInfo(container="mov,mp4,m4a,3gp,3g2,mj2", duration_seconds=60.0, width=width,
                      height=height, frame_rate=fps, video_codec="h264", has_audio=audio,
                      audio_codec="aac" if audio else None, size_bytes=1_000_000)


def sizes(ladder: RenditionLadder) -> list[tuple[str, int, int]]:
    return [(rung.name, rung.width, rung.height) for rung in ladder.rungs]


# --- the ladder --------------------------------------------------------------------------

def test_a_1080p_source_gets_all_three_rungs() -> None:
    ladder = plan_ladder(source(1920, 1080))

    assert sizes(ladder) == [("480p", 854, 480), ("720p", 1280, 720), ("1080p", 1920, 1080)]
    assert [r.maxrate_kbps for r in ladder.rungs] == [1600, 3200, 6000]
    assert all(r.bufsize_kbps == 2 * r.maxrate_kbps for r in ladder.rungs)
    assert (ladder.frame_rate, ladder.audio) == (30.0, True)


def test_a_4k_source_stops_at_1080p() -> None:
    assert sizes(plan_ladder(source(3840, 2160))) == [
        ("480p", 854, 480), ("720p", 1280, 720), ("1080p", 1920, 1080)]


def test_a_720p_source_is_never_upscaled() -> None:
    assert sizes(plan_ladder(source(1280, 720))) == [("480p", 854, 480), ("720p", 1280, 720)]


def test_a_360p_source_gets_one_rung_of_its_own_size() -> None:
    ladder = plan_ladder(source(640, 360))

    assert sizes(ladder) == [("360p", 640, 360)]
    # (360/480)^2 of the 480p cap
    assert ladder.rungs[0].maxrate_kbps == 900


def test_an_odd_small_source_is_made_even() -> None:
    assert sizes(plan_ladder(source(361, 241))) == [("240p", 360, 240)]


def test_odd_widths_are_made_even_and_never_wider_than_the_source() -> None:
    assert sizes(plan_ladder(source(1279, 720))) == [("480p", 852, 480), ("720p", 1278, 720)]


def test_a_source_between_rungs_gets_the_rungs_below_it() -> None:
    assert sizes(plan_ladder(source(1000, 600))) == [("480p", 800, 480)]


def test_a_portrait_video_is_laddered_by_its_short_side() -> None:
    assert sizes(plan_ladder(source(1080, 1920))) == [
        ("480p", 480, 854), ("720p", 720, 1280), ("1080p", 1080, 1920)]


def test_high_frame_rates_get_more_bits() -> None:
    ladder = plan_ladder(source(1920, 1080, fps=59.94))

    assert [r.maxrate_kbps for r in ladder.rungs] == [2400, 4800, 9000]


# --- the ffmpeg command ------------------------------------------------------------------

FFMPEG = "/opt/ffmpeg"
TWO_RUNGS = RenditionLadder(
    rungs=(Rung("480p", 854, 480, 1600, 3200), Rung("720p", 1280, 720, 3200, 6400)),
    frame_rate=29.97, audio=True,
)


def option(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


def test_the_command_decodes_once_and_scales_per_rung(tmp_path: Path) -> None:
    command = hls_command(FFMPEG, Path("/in/movie.mp4"), TWO_RUNGS, tmp_path)

    assert command[0] == FFMPEG
    assert command.count("-i") == 1
    assert option(command, "-i") == "file:/in/movie.mp4"
    # ffmpeg's default bicubic (B=0, C=0.6, chroma centred) done by zimg.
    bicubic = "filter=bicubic:param_a=0:param_b=0.6:chromal=center:chromalin=center"
    assert option(command, "-filter_complex") == (
        "[0:v:0]format=yuv420p,split=2[s0][s1];"
        f"[s0]zscale=w=854:h=480:{bicubic},setsar=1[v0];"
        f"[s1]zscale=w=1280:h=720:{bicubic},setsar=1[v1]"
    )


def fake_ffmpeg(folder: Path, filters: list[str]) -> str:
    """An "ffmpeg" that lists `filters` as `ffmpeg -filters` does."""
    lines = "\n".join(f" ... {name:<20} V->V       a filter" for name in filters)
    script = folder / "ffmpeg"
    script.write_text(f"#!/bin/sh\ncat <<'END'\nFilters:\n{lines}\nEND\n")
    script.chmod(0o755)
    return str(script)


def test_an_ffmpeg_without_zimg_scales_with_swscales_same_bicubic(tmp_path: Path) -> None:
    without = fake_ffmpeg(tmp_path, ["scale", "split", "setsar"])
    settings = fitted_to(without, EncoderSettings())
    command = hls_command(without, Path("/in/movie.mp4"), TWO_RUNGS, tmp_path, settings)

    assert not settings.zimg
    assert option(command, "-filter_complex") == (
        "[0:v:0]format=yuv420p,split=2[s0][s1];"
        "[s0]scale=w=854:h=480:flags=bicubic,setsar=1[v0];"
        "[s1]scale=w=1280:h=720:flags=bicubic,setsar=1[v1]"
    )


def test_an_ffmpeg_with_zimg_keeps_it_and_a_missing_one_has_no_filters(tmp_path: Path) -> None:
    with_zimg = fake_ffmpeg(tmp_path, ["scale", "zscale"])

    assert fitted_to(with_zimg, EncoderSettings()).zimg
    assert not has_filter(str(tmp_path / "no-such-ffmpeg"), "zscale")


def test_each_rung_gets_its_own_bitrate_cap_and_the_same_keyframes(tmp_path: Path) -> None:
    command = hls_command(FFMPEG, Path("/in/movie.mp4"), TWO_RUNGS, tmp_path)

    assert [command[i + 1] for i, a in enumerate(command) if a == "-map"] == [
        "[v0]", "[v1]", "0:a:0"]
    assert (option(command, "-maxrate:v:0"), option(command, "-bufsize:v:0")) == (
        "1600k", "3200k")
    assert (option(command, "-maxrate:v:1"), option(command, "-bufsize:v:1")) == (
        "3200k", "6400k")
    assert option(command, "-c:v") == "libx264"
    assert option(command, "-profile:v") == "high"
    assert option(command, "-force_key_frames:v") == "expr:gte(t,n_forced*2)"
    assert option(command, "-sc_threshold:v") == "0"
    assert option(command, "-g:v") == "60"  # 2 s at 29.97 fps, rounded up


def test_audio_is_encoded_once_into_a_shared_group(tmp_path: Path) -> None:
    command = hls_command(FFMPEG, Path("/in/movie.mp4"), TWO_RUNGS, tmp_path)

    assert command.count("-c:a") == 1
    assert (option(command, "-c:a"), option(command, "-b:a")) == ("aac", "128k")
    assert option(command, "-var_stream_map") == (
        "v:0,agroup:aud,name:480p v:1,agroup:aud,name:720p a:0,agroup:aud,name:audio")


def test_the_muxer_writes_whole_fmp4_segments_per_variant_the_first_short(
        tmp_path: Path) -> None:
    settings = EncoderSettings(segment_seconds=4)
    command = hls_command(FFMPEG, Path("/in/movie.mp4"), TWO_RUNGS, tmp_path, settings)

    assert option(command, "-f") == "hls"
    assert option(command, "-hls_time") == "4"
    # A one-entry list: -hls_init_time then shortens the first segments only.
    assert (option(command, "-hls_init_time"), option(command, "-hls_list_size")) == ("2", "1")
    assert "-hls_playlist_type" not in command
    assert option(command, "-hls_flags") == "independent_segments+temp_file"
    assert option(command, "-hls_segment_type") == "fmp4"
    assert option(command, "-hls_segment_filename") == str(tmp_path / "%v" / "segment_%05d.m4s")
    assert command[-1] == str(tmp_path / "%v" / "index.m3u8")
    assert option(command, "-progress") == "pipe:1"


def test_without_audio_there_is_no_audio_group(tmp_path: Path) -> None:
    silent = RenditionLadder(rungs=(Rung("240p", 320, 240, 400, 800),), frame_rate=25.0,
                             audio=False)

    command = hls_command(FFMPEG, Path("/in/silent.mp4"), silent, tmp_path)

    assert var_stream_map(silent) == "v:0,name:240p"
    assert "agroup" not in " ".join(command)
    assert "0:a:0" not in command and "-c:a" not in command
    assert option(command, "-g:v") == "50"


def test_slow_motion_is_brought_down_to_60_fps(tmp_path: Path) -> None:
    ladder = plan_ladder(source(1920, 1080, fps=240.0))

    assert (ladder.frame_rate, ladder.source_frame_rate) == (60.0, 240.0)
    command = hls_command(FFMPEG, Path("/in/slowmo.mov"), ladder, tmp_path)
    assert option(command, "-filter_complex").startswith(
        "[0:v:0]fps=60,format=yuv420p,split=3[s0][s1][s2];")
    assert option(command, "-g:v") == "120"


@pytest.mark.parametrize(("rate", "kept"), [(59.94, 59.94), (100.0, 50.0), (119.88, 59.94)])
def test_frame_rates_up_to_60_are_kept(rate: float, kept: float) -> None:
    assert output_frame_rate(rate) == pytest.approx(kept)
    assert (plan_ladder(source(1280, 720, fps=rate)).source_frame_rate is None) == (rate == kept)
