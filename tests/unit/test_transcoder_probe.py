"""The source probe without running ffmpeg: its banner parser, its ffprobe-JSON parser, how
it finds its tools, and the checks that need no tool at all.

The fixtures are real output, captured from ffmpeg 9.0 (the imageio-ffmpeg wheel) and
ffprobe 8.1 on small files made with lavfi's testsrc2 and sine; only trailing blanks were
dropped from the banners and, in all JSON but the first, fields the probe does not read.
"""
# ruff: noqa: E501 - captured output keeps its long lines

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import pytest

# The transcoder is its own program (its image holds containers/transcoder and chalicelib/contracts), so it is
# imported from there rather than as part of the Lambda code.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "containers" / "transcoder"))

from transcoder import envvars
from transcoder.banner import parse_ffmpeg_banner
from transcoder.binaries import MediaTools, find_media_tools
from transcoder.cli import main
from transcoder.errors import MediaToolMissing, NotAVideo, ProbeFailed, SourceMissing
from transcoder.ffprobe import parse_ffprobe_json
from transcoder.probe import probe_source
from transcoder.source import SourceInfo

BANNER_1080P_WITH_AUDIO = """\
Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'file:/tmp/reelstack/trailer-1080p.mp4':
  Metadata:
    major_brand     : isom
    minor_version   : 512
    compatible_brands: isomiso2avc1mp41
    encoder         : Lavf63.1.102
  Duration: 00:00:02.00, start: 0.000000, bitrate: 15253 kb/s
  Stream #0:0[0x1](und): Video: h264 (Constrained Baseline) (avc1 / 0x31637661), yuv420p(progressive), 1920x1080 [SAR 1:1 DAR 16:9], 15412 kb/s, 29.97 fps, 29.97 tbr, 30k tbn (default)
    Metadata:
      handler_name    : VideoHandler
      encoder         : Lavc63.1.102 libx264
  Stream #0:1[0x2](und): Audio: aac (LC) (mp4a / 0x6134706D), 48000 Hz, mono, fltp, 70 kb/s (default)
    Metadata:
      handler_name    : SoundHandler
At least one output file must be specified
"""

BANNER_480P_SILENT = """\
Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'file:/tmp/reelstack/clip-480p-silent.mp4':
  Metadata:
    major_brand     : isom
    minor_version   : 512
    compatible_brands: isomiso2avc1mp41
    encoder         : Lavf63.1.102
  Duration: 00:00:01.00, start: 0.000000, bitrate: 3077 kb/s
  Stream #0:0[0x1](und): Video: h264 (Constrained Baseline) (avc1 / 0x31637661), yuv420p(progressive), 854x480 [SAR 1:1 DAR 427:240], 3070 kb/s, 25 fps, 25 tbr, 12800 tbn (default)
    Metadata:
      handler_name    : VideoHandler
      encoder         : Lavc63.1.102 libx264
At least one output file must be specified
"""

BANNER_MPEGTS = """\
Input #0, mpegts, from 'file:/tmp/reelstack/broadcast.ts':
  Duration: 00:00:01.02, start: 1.400000, bitrate: 3349 kb/s
  Program 1
    Metadata:
      service_name    : Service01
      service_provider: FFmpeg
  Stream #0:0[0x100]: Video: h264 (Constrained Baseline) ([27][0][0][0] / 0x001B), yuv420p(progressive), 640x360 [SAR 1:1 DAR 16:9], 50 fps, 50 tbr, 90k tbn, start 1.410911
  Stream #0:1[0x101]: Audio: mp2 (mp3float) ([3][0][0][0] / 0x0003), 44100 Hz, mono, fltp, 384 kb/s, start 1.400000
At least one output file must be specified
"""

BANNER_WEBM = """\
Input #0, matroska,webm, from 'file:/tmp/reelstack/festival-vp9.webm':
  Metadata:
    ENCODER         : Lavf63.1.102
  Duration: 00:00:01.01, start: 0.000000, bitrate: 996 kb/s
  Stream #0:0: Video: vp9 (Profile 0), yuv420p(tv, progressive), 640x360, SAR 1:1 DAR 16:9, 24 fps, 24 tbr, 1k tbn
    Metadata:
      ENCODER         : Lavc63.1.102 libvpx-vp9
      DURATION        : 00:00:01.000000000
  Stream #0:1: Audio: opus, 48000 Hz, mono, fltp
    Metadata:
      ENCODER         : Lavc63.1.102 libopus
      DURATION        : 00:00:01.008000000
At least one output file must be specified
"""

BANNER_PHONE_PORTRAIT = """\
Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'file:/tmp/reelstack/phone-portrait.mp4':
  Metadata:
    major_brand     : isom
    minor_version   : 512
    compatible_brands: isomiso2avc1mp41
    encoder         : Lavf63.1.102
  Duration: 00:00:01.00, start: 0.000000, bitrate: 3077 kb/s
  Stream #0:0[0x1](und): Video: h264 (Constrained Baseline) (avc1 / 0x31637661), yuv420p(progressive), 854x480 [SAR 1:1 DAR 427:240], 3070 kb/s, 25 fps, 25 tbr, 12800 tbn (default)
    Metadata:
      handler_name    : VideoHandler
      encoder         : Lavc63.1.102 libx264
    Side data:
      Display Matrix: rotation of 90.00 degrees
At least one output file must be specified
"""

BANNER_AUDIO_ONLY = """\
Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'file:/tmp/reelstack/podcast.m4a':
  Metadata:
    major_brand     : M4A
    minor_version   : 512
    compatible_brands: M4A isomiso2
    encoder         : Lavf63.1.102
  Duration: 00:00:01.00, start: 0.000000, bitrate: 79 kb/s
  Stream #0:0[0x1](und): Audio: aac (LC) (mp4a / 0x6134706D), 44100 Hz, mono, fltp, 70 kb/s (default)
    Metadata:
      handler_name    : SoundHandler
At least one output file must be specified
"""

BANNER_AUDIO_WITH_COVER = """\
Input #0, mp3, from 'file:/tmp/reelstack/song-with-cover.mp3':
  Metadata:
    encoder         : Lavf63.1.102
  Duration: 00:00:01.00, start: 0.025056, bitrate: 144 kb/s
  Stream #0:0: Audio: mp3 (mp3float), 44100 Hz, mono, fltp, 64 kb/s, start 0.025057
  Stream #0:1: Video: mjpeg (Baseline), yuvj420p(pc, bt470bg/unknown/unknown), 320x240 [SAR 1:1 DAR 4:3], 90k tbr, 90k tbn, start 0.025056 (attached pic)
    Metadata:
      comment         : Other
At least one output file must be specified
"""

BANNER_PNG = """\
Input #0, png_pipe, from 'file:/tmp/reelstack/poster.png':
  Duration: N/A, bitrate: N/A
  Stream #0:0: Video: png, rgb24(pc, gbr/unknown/unknown), 320x240 [SAR 1:1 DAR 4:3], 25 fps, 25 tbr, 25 tbn
At least one output file must be specified
"""

BANNER_JPEG = """\
Input #0, image2, from 'file:/tmp/reelstack/poster.jpg':
  Duration: 00:00:00.04, start: 0.000000, bitrate: 1892 kb/s
  Stream #0:0: Video: mjpeg (Baseline), yuvj420p(pc, bt470bg/unknown/unknown), 320x240 [SAR 1:1 DAR 4:3], 25 fps, 25 tbr, 25 tbn
At least one output file must be specified
"""

BANNER_ONE_FRAME_GIF = """\
Input #0, gif, from 'file:/tmp/reelstack/still.gif':
  Duration: 00:00:00.04, start: 0.000000, bitrate: 941 kb/s
  Stream #0:0: Video: gif, bgra, 160x120 [SAR 64:64 DAR 4:3], 25 fps, 100 tbr, 100 tbn
At least one output file must be specified
"""

BANNER_RAW_H264 = """\
Input #0, h264, from 'file:/tmp/reelstack/camera.h264':
  Duration: N/A, bitrate: N/A
  Stream #0:0: Video: h264 (Constrained Baseline), yuv420p(progressive), 320x240 [SAR 1:1 DAR 4:3], 25 fps, 50 tbr, 1200k tbn
At least one output file must be specified
"""

BANNER_GARBAGE = """\
[in#0 @ 0x5556cbc2d080] Format mov,mp4,m4a,3gp,3g2,mj2 detected only with low score of 1, misdetection possible!
[in#0 @ 0x5556cbc2d080] moov atom not found
[in#0 @ 0x5556cbc2cd00] Error opening input: Invalid data found when processing input
Error opening input file file:/tmp/reelstack/notes.mp4.
Error opening input files: Invalid data found when processing input
"""

FFPROBE_1080P_WITH_AUDIO = r"""{
    "streams": [
        {
            "index": 0,
            "codec_name": "h264",
            "codec_long_name": "H.264 / AVC / MPEG-4 AVC / MPEG-4 part 10",
            "profile": "Constrained Baseline",
            "codec_type": "video",
            "codec_tag_string": "avc1",
            "codec_tag": "0x31637661",
            "mime_codec_string": "avc1.42c028",
            "width": 1920,
            "height": 1080,
            "coded_width": 1920,
            "coded_height": 1080,
            "has_b_frames": 0,
            "sample_aspect_ratio": "1:1",
            "display_aspect_ratio": "16:9",
            "pix_fmt": "yuv420p",
            "level": 40,
            "chroma_location": "left",
            "field_order": "progressive",
            "is_avc": "true",
            "nal_length_size": "4",
            "id": "0x1",
            "r_frame_rate": "30000/1001",
            "avg_frame_rate": "30000/1001",
            "time_base": "1/30000",
            "start_pts": 0,
            "start_time": "0.000000",
            "duration_ts": 59059,
            "duration": "1.968633",
            "bit_rate": "15412288",
            "bits_per_raw_sample": "8",
            "nb_frames": "59",
            "extradata_size": 38,
            "disposition": {
                "default": 1,
                "dub": 0,
                "original": 0,
                "comment": 0,
                "lyrics": 0,
                "karaoke": 0,
                "forced": 0,
                "hearing_impaired": 0,
                "visual_impaired": 0,
                "clean_effects": 0,
                "attached_pic": 0,
                "timed_thumbnails": 0,
                "non_diegetic": 0,
                "captions": 0,
                "descriptions": 0,
                "metadata": 0,
                "dependent": 0,
                "still_image": 0,
                "multilayer": 0
            },
            "tags": {
                "language": "und",
                "handler_name": "VideoHandler",
                "encoder": "Lavc63.1.102 libx264"
            }
        },
        {
            "index": 1,
            "codec_name": "aac",
            "codec_long_name": "AAC (Advanced Audio Coding)",
            "profile": "LC",
            "codec_type": "audio",
            "codec_tag_string": "mp4a",
            "codec_tag": "0x6134706d",
            "mime_codec_string": "mp4a.40.2",
            "sample_fmt": "fltp",
            "sample_rate": "48000",
            "channels": 1,
            "channel_layout": "mono",
            "bits_per_sample": 0,
            "initial_padding": 0,
            "id": "0x2",
            "r_frame_rate": "0/0",
            "avg_frame_rate": "0/0",
            "time_base": "1/48000",
            "start_pts": 0,
            "start_time": "0.000000",
            "duration_ts": 96000,
            "duration": "2.000000",
            "bit_rate": "70056",
            "nb_frames": "95",
            "extradata_size": 5,
            "disposition": {
                "default": 1,
                "dub": 0,
                "original": 0,
                "comment": 0,
                "lyrics": 0,
                "karaoke": 0,
                "forced": 0,
                "hearing_impaired": 0,
                "visual_impaired": 0,
                "clean_effects": 0,
                "attached_pic": 0,
                "timed_thumbnails": 0,
                "non_diegetic": 0,
                "captions": 0,
                "descriptions": 0,
                "metadata": 0,
                "dependent": 0,
                "still_image": 0,
                "multilayer": 0
            },
            "tags": {
                "language": "und",
                "handler_name": "SoundHandler"
            }
        }
    ],
    "format": {
        "filename": "file:/tmp/reelstack/trailer-1080p.mp4",
        "nb_streams": 2,
        "nb_programs": 0,
        "nb_stream_groups": 0,
        "format_name": "mov,mp4,m4a,3gp,3g2,mj2",
        "format_long_name": "QuickTime / MOV",
        "start_time": "0.000000",
        "duration": "2.000000",
        "size": "3813459",
        "bit_rate": "15253836",
        "probe_score": 100,
        "tags": {
            "major_brand": "isom",
            "minor_version": "512",
            "compatible_brands": "isomiso2avc1mp41",
            "encoder": "Lavf63.1.102"
        }
    }
}
"""

FFPROBE_PNG = r"""{
    "streams": [
        {
            "index": 0,
            "codec_name": "png",
            "codec_type": "video",
            "width": 0,
            "height": 0,
            "r_frame_rate": "25/1",
            "avg_frame_rate": "25/1"
        }
    ],
    "format": {
        "filename": "file:/tmp/reelstack/poster.png",
        "nb_streams": 1,
        "format_name": "png_pipe",
        "size": "8975"
    }
}
"""

FFPROBE_AUDIO_ONLY = r"""{
    "streams": [
        {
            "index": 0,
            "codec_name": "aac",
            "profile": "LC",
            "codec_type": "audio",
            "sample_rate": "44100",
            "channels": 1,
            "channel_layout": "mono",
            "r_frame_rate": "0/0",
            "avg_frame_rate": "0/0",
            "start_time": "0.000000",
            "duration": "1.000000",
            "bit_rate": "70342",
            "nb_frames": "45"
        }
    ],
    "format": {
        "filename": "file:/tmp/reelstack/podcast.m4a",
        "nb_streams": 1,
        "format_name": "mov,mp4,m4a,3gp,3g2,mj2",
        "start_time": "0.000000",
        "duration": "1.000000",
        "size": "9983",
        "bit_rate": "79864"
    }
}
"""

FFPROBE_AUDIO_WITH_COVER = r"""{
    "streams": [
        {
            "index": 0,
            "codec_name": "mp3",
            "codec_type": "audio",
            "sample_rate": "44100",
            "channels": 1,
            "channel_layout": "mono",
            "r_frame_rate": "0/0",
            "avg_frame_rate": "0/0",
            "start_time": "0.025057",
            "duration": "1.000000",
            "bit_rate": "64000"
        },
        {
            "index": 1,
            "codec_name": "mjpeg",
            "profile": "Baseline",
            "codec_type": "video",
            "width": 320,
            "height": 240,
            "sample_aspect_ratio": "1:1",
            "display_aspect_ratio": "4:3",
            "pix_fmt": "yuvj420p",
            "r_frame_rate": "90000/1",
            "avg_frame_rate": "0/0",
            "start_time": "0.025056",
            "duration": "1.000000",
            "disposition": {
                "default": 0,
                "attached_pic": 1
            }
        }
    ],
    "format": {
        "filename": "file:/tmp/reelstack/song-with-cover.mp3",
        "nb_streams": 2,
        "format_name": "mp3",
        "start_time": "0.025056",
        "duration": "1.000000",
        "size": "18073",
        "bit_rate": "144584"
    }
}
"""

FFPROBE_PHONE_PORTRAIT = r"""{
    "streams": [
        {
            "index": 0,
            "codec_name": "h264",
            "profile": "Constrained Baseline",
            "codec_type": "video",
            "width": 854,
            "height": 480,
            "sample_aspect_ratio": "1:1",
            "display_aspect_ratio": "427:240",
            "pix_fmt": "yuv420p",
            "r_frame_rate": "25/1",
            "avg_frame_rate": "25/1",
            "start_time": "0.000000",
            "duration": "1.000000",
            "bit_rate": "3070112",
            "nb_frames": "25",
            "side_data_list": [
                {
                    "side_data_type": "Display Matrix",
                    "displaymatrix": "\n00000000:            0      -65536           0\n00000001:        65536           0           0\n00000002:            0           0  1073741824\n",
                    "rotation": 90
                }
            ]
        }
    ],
    "format": {
        "filename": "file:/tmp/reelstack/phone-portrait.mp4",
        "nb_streams": 1,
        "format_name": "mov,mp4,m4a,3gp,3g2,mj2",
        "start_time": "0.000000",
        "duration": "1.000000",
        "size": "384716",
        "bit_rate": "3077728"
    }
}
"""

MP4 = "mov,mp4,m4a,3gp,3g2,mj2"
TRAILER = SourceInfo(
    container=MP4, duration_seconds=2.0, width=1920, height=1080, frame_rate=29.97,
    video_codec="h264", has_audio=True, audio_codec="aac", size_bytes=3813459,
)


# --- ffmpeg's banner --------------------------------------------------------------------

def test_banner_of_1080p_with_audio() -> None:
    assert parse_ffmpeg_banner(BANNER_1080P_WITH_AUDIO, size_bytes=3813459) == TRAILER


def test_banner_of_480p_without_audio() -> None:
    info = parse_ffmpeg_banner(BANNER_480P_SILENT, size_bytes=384716)

    assert info == SourceInfo(
        container=MP4, duration_seconds=1.0, width=854, height=480, frame_rate=25.0,
        video_codec="h264", has_audio=False, audio_codec=None, size_bytes=384716,
    )


def test_banner_of_mpegts_reads_streams_listed_after_a_program() -> None:
    info = parse_ffmpeg_banner(BANNER_MPEGTS, size_bytes=426572)

    assert (info.container, info.duration_seconds) == ("mpegts", 1.02)
    assert (info.width, info.height, info.frame_rate) == (640, 360, 50.0)
    assert (info.video_codec, info.audio_codec) == ("h264", "mp2")


def test_banner_of_webm_with_a_bare_frame_size() -> None:
    info = parse_ffmpeg_banner(BANNER_WEBM, size_bytes=125552)

    assert (info.container, info.video_codec, info.audio_codec) == ("matroska,webm", "vp9", "opus")
    assert (info.width, info.height, info.frame_rate) == (640, 360, 24.0)


def test_banner_of_a_quarter_turned_phone_video_gives_the_displayed_size() -> None:
    info = parse_ffmpeg_banner(BANNER_PHONE_PORTRAIT, size_bytes=384716)

    assert (info.width, info.height) == (480, 854)


def test_banner_without_fps_falls_back_to_tbr() -> None:
    info = parse_ffmpeg_banner(BANNER_480P_SILENT.replace("25 fps, ", ""), size_bytes=1)

    assert info.frame_rate == 25.0


@pytest.mark.parametrize(("banner", "reason"), [
    (BANNER_AUDIO_ONLY, "audio only"),
    (BANNER_AUDIO_WITH_COVER, "audio only"),
    (BANNER_PNG, r"still image \(png_pipe\)"),
    (BANNER_JPEG, r"still image \(image2\)"),
    (BANNER_ONE_FRAME_GIF, "single frame"),
    (BANNER_RAW_H264, "no duration"),
    (BANNER_GARBAGE, r"cannot read it \(Error opening input files: Invalid data found"),
    ("", r"cannot read it \(no output\)"),
], ids=["audio-only", "cover-art", "png", "jpeg", "one-frame-gif", "raw-h264", "garbage",
        "silence"])
def test_banner_of_what_is_no_video(banner: str, reason: str) -> None:
    with pytest.raises(NotAVideo, match=reason):
        parse_ffmpeg_banner(banner, size_bytes=100)


# --- ffprobe's JSON ---------------------------------------------------------------------

def test_ffprobe_json_of_1080p_with_audio() -> None:
    info = parse_ffprobe_json(FFPROBE_1080P_WITH_AUDIO, size_bytes=3813459)

    assert info == dataclasses.replace(TRAILER, frame_rate=30000 / 1001)


def test_ffprobe_and_the_banner_agree() -> None:
    from_json = parse_ffprobe_json(FFPROBE_1080P_WITH_AUDIO, size_bytes=3813459)
    from_banner = parse_ffmpeg_banner(BANNER_1080P_WITH_AUDIO, size_bytes=3813459)

    assert dataclasses.replace(from_json, frame_rate=round(from_json.frame_rate, 2)) == from_banner


def test_ffprobe_json_of_a_quarter_turned_phone_video_gives_the_displayed_size() -> None:
    info = parse_ffprobe_json(FFPROBE_PHONE_PORTRAIT, size_bytes=384716)

    assert (info.width, info.height, info.frame_rate) == (480, 854, 25.0)


def test_ffprobe_json_with_a_legacy_rotate_tag() -> None:
    probed = json.loads(FFPROBE_PHONE_PORTRAIT)
    del probed["streams"][0]["side_data_list"]
    probed["streams"][0]["tags"] = {"rotate": "270"}

    info = parse_ffprobe_json(json.dumps(probed), size_bytes=384716)

    assert (info.width, info.height) == (480, 854)


def test_ffprobe_json_without_an_average_rate_uses_the_base_rate() -> None:
    probed = json.loads(FFPROBE_1080P_WITH_AUDIO)
    probed["streams"][0]["avg_frame_rate"] = "0/0"
    probed["streams"][0]["r_frame_rate"] = "24/1"

    assert parse_ffprobe_json(json.dumps(probed), size_bytes=1).frame_rate == 24.0


def test_ffprobe_json_without_a_format_duration_uses_the_stream_duration() -> None:
    probed = json.loads(FFPROBE_1080P_WITH_AUDIO)
    del probed["format"]["duration"]

    assert parse_ffprobe_json(json.dumps(probed), size_bytes=1).duration_seconds == 1.968633


@pytest.mark.parametrize(("document", "reason"), [
    (FFPROBE_AUDIO_ONLY, "audio only"),
    (FFPROBE_AUDIO_WITH_COVER, "audio only"),
    (FFPROBE_PNG, r"still image \(png_pipe\)"),
], ids=["audio-only", "cover-art", "png"])
def test_ffprobe_json_of_what_is_no_video(document: str, reason: str) -> None:
    with pytest.raises(NotAVideo, match=reason):
        parse_ffprobe_json(document, size_bytes=100)


@pytest.mark.parametrize("document", ["", "{\n\n}", "[]", '{"format": {}}'])
def test_ffprobe_output_that_is_no_probe_result(document: str) -> None:
    with pytest.raises(ProbeFailed):
        parse_ffprobe_json(document, size_bytes=100)


# --- finding ffmpeg and ffprobe ---------------------------------------------------------

def executable(folder: Path, name: str, banner: str = "ffmpeg version 9.0.2 Copyright") -> Path:
    """A program that answers `-version` as an ffmpeg of that banner does."""
    folder.mkdir(exist_ok=True)
    program = folder / name
    program.write_text(f"#!/bin/sh\necho '{banner}'\n")
    program.chmod(0o755)
    return program


def test_tools_on_path_are_found(tmp_path: Path) -> None:
    ffmpeg, ffprobe = executable(tmp_path, "ffmpeg"), executable(tmp_path, "ffprobe")

    assert find_media_tools({"PATH": str(tmp_path)}) == MediaTools(str(ffmpeg), str(ffprobe))


def test_configured_tools_win_over_path(tmp_path: Path) -> None:
    executable(tmp_path / "bin", "ffmpeg")
    executable(tmp_path / "bin", "ffprobe")
    ffmpeg, ffprobe = executable(tmp_path, "ffmpeg-7"), executable(tmp_path, "ffprobe-7")

    tools = find_media_tools({"PATH": str(tmp_path / "bin"), envvars.FFMPEG: str(ffmpeg),
                              envvars.FFPROBE: str(ffprobe)})

    assert tools == MediaTools(str(ffmpeg), str(ffprobe))


def test_an_empty_ffprobe_setting_turns_ffprobe_off(tmp_path: Path) -> None:
    executable(tmp_path, "ffprobe")
    ffmpeg = executable(tmp_path, "ffmpeg")

    tools = find_media_tools({"PATH": str(tmp_path), envvars.FFPROBE: ""})

    assert tools == MediaTools(str(ffmpeg), None)


def test_a_configured_tool_that_is_not_executable_is_refused(tmp_path: Path) -> None:
    (tmp_path / "ffmpeg").write_text("not a program")

    with pytest.raises(MediaToolMissing, match=envvars.FFMPEG):
        find_media_tools({"PATH": "", envvars.FFMPEG: str(tmp_path / "ffmpeg")})


@pytest.mark.parametrize("banner", [
    "ffmpeg version 5.1.9-0+deb12u1 Copyright (c) 2000-2025", "ffmpeg version 7.1.5-0+deb13u1",
    "not ffmpeg at all"])
def test_an_ffmpeg_on_path_older_than_9_gives_way_to_the_wheels(tmp_path: Path,
                                                               banner: str) -> None:
    imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")
    executable(tmp_path, "ffmpeg", banner)

    tools = find_media_tools({"PATH": str(tmp_path), envvars.FFPROBE: ""})

    assert tools.ffmpeg == imageio_ffmpeg.get_ffmpeg_exe()


@pytest.mark.parametrize("banner", [
    "ffmpeg version n9.0.2-17-g2a571b6068-20260930", "ffmpeg version 10.1",
    "ffmpeg version N-121066-g1f8f0b4 Copyright (c) 2000-2026"])
def test_an_ffmpeg_on_path_from_9_on_or_a_git_build_is_used(tmp_path: Path,
                                                            banner: str) -> None:
    ffmpeg = executable(tmp_path, "ffmpeg", banner)

    assert find_media_tools({"PATH": str(tmp_path), envvars.FFPROBE: ""}).ffmpeg == str(ffmpeg)


def test_a_configured_ffmpeg_is_taken_whatever_its_release(tmp_path: Path) -> None:
    ffmpeg = executable(tmp_path, "ffmpeg-5", "ffmpeg version 5.1.9")

    assert find_media_tools({"PATH": "", envvars.FFMPEG: str(ffmpeg)}).ffmpeg == str(ffmpeg)


def test_without_ffmpeg_on_path_the_wheel_binary_is_used(tmp_path: Path) -> None:
    imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")

    tools = find_media_tools({"PATH": str(tmp_path)})

    assert tools == MediaTools(imageio_ffmpeg.get_ffmpeg_exe(), None)


# --- what needs no tool at all ----------------------------------------------------------

NO_TOOLS = MediaTools(ffmpeg="/nonexistent/ffmpeg", ffprobe=None)


def test_an_empty_file_is_no_video(tmp_path: Path) -> None:
    (tmp_path / "upload.mp4").touch()

    with pytest.raises(NotAVideo, match="empty file"):
        probe_source(tmp_path / "upload.mp4", NO_TOOLS)


def test_a_folder_is_no_video(tmp_path: Path) -> None:
    with pytest.raises(NotAVideo, match="not a regular file"):
        probe_source(tmp_path, NO_TOOLS)


def test_a_missing_file_is_reported_as_missing(tmp_path: Path) -> None:
    with pytest.raises(SourceMissing):
        probe_source(tmp_path / "gone.mp4", NO_TOOLS)


def test_cli_reports_no_video_on_stderr_with_status_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "upload.mp4").touch()

    status = main(["probe", str(tmp_path / "upload.mp4")])

    out, err = capsys.readouterr()
    assert (status, out) == (2, "")
    assert json.loads(err) == {"error": "not_a_video", "reason": "empty file"}


def test_cli_reports_a_missing_source_with_status_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    status = main(["probe", str(tmp_path / "gone.mp4")])

    assert status == 1
    assert json.loads(capsys.readouterr().err)["error"] == "source_missing"
