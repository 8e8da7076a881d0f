"""Media playlists read, bit rates measured, codecs named, the master playlist and the
trick-play WebVTT written: all without ffmpeg."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "containers" / "transcoder"))

from transcoder.hls import (
    AudioRendition,
    Bitrates,
    VariantStream,
    avc_codec,
    measure_bitrates,
    parse_media_playlist,
    render_master_playlist,
)
from transcoder.thumbnails import SpriteSheet, plan_sprite, render_vtt

# As ffmpeg 9 writes it for a 13.5 s clip (trimmed of nothing).
MEDIA_PLAYLIST = """\
#EXTM3U
#EXT-X-VERSION:7
#EXT-X-TARGETDURATION:6
#EXT-X-MEDIA-SEQUENCE:0
#EXT-X-PLAYLIST-TYPE:VOD
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-MAP:URI="init_1.mp4"
#EXTINF:6.000000,
segment_00000.m4s
#EXTINF:6.000000,
segment_00001.m4s
#EXTINF:1.500000,
segment_00002.m4s
#EXT-X-ENDLIST
"""


# --- media playlists ---------------------------------------------------------------------

def test_a_media_playlist_is_read() -> None:
    playlist = parse_media_playlist(MEDIA_PLAYLIST)

    assert (playlist.target_duration, playlist.init_uri, playlist.ended) == (6, "init_1.mp4", True)
    assert [(s.uri, s.duration) for s in playlist.segments] == [
        ("segment_00000.m4s", 6.0), ("segment_00001.m4s", 6.0), ("segment_00002.m4s", 1.5)]
    assert playlist.duration == 13.5


def test_an_unfinished_playlist_says_so() -> None:
    assert not parse_media_playlist(MEDIA_PLAYLIST.replace("#EXT-X-ENDLIST\n", "")).ended


@pytest.mark.parametrize("text", ["", "<html>", "#EXTM3U\n#EXT-X-TARGETDURATION:6\n"])
def test_what_is_no_media_playlist(text: str) -> None:
    with pytest.raises(ValueError, match="playlist"):
        parse_media_playlist(text)


def test_bit_rates_come_from_the_segment_sizes(tmp_path: Path) -> None:
    for name, size in [("segment_00000.m4s", 600_000), ("segment_00001.m4s", 750_000),
                       ("segment_00002.m4s", 150_000), ("init_1.mp4", 999_999)]:
        (tmp_path / name).write_bytes(bytes(size))

    rates = measure_bitrates(parse_media_playlist(MEDIA_PLAYLIST), tmp_path)

    # peak: 750 kB in 6 s; average: 1.5 MB in 13.5 s; the init segment counts in neither
    assert rates == Bitrates(peak=1_000_000, average=888_889)


def test_a_short_last_segment_does_not_set_the_peak(tmp_path: Path) -> None:
    text = MEDIA_PLAYLIST.replace("#EXTINF:1.500000,", "#EXTINF:0.040000,")
    for name, size in [("segment_00000.m4s", 600_000), ("segment_00001.m4s", 600_000),
                       ("segment_00002.m4s", 40_000)]:
        (tmp_path / name).write_bytes(bytes(size))

    assert measure_bitrates(parse_media_playlist(text), tmp_path).peak == 800_000


def test_the_codec_name_comes_from_the_avcc_box() -> None:
    init = b"\x00\x00\x00\x2bavcC\x01\x64\x00\x28\xff\xe1"

    assert avc_codec(b"ftyp....moov...." + init) == "avc1.640028"
    with pytest.raises(ValueError, match="avcC"):
        avc_codec(b"ftyp....moov....mp4a")


# --- the master playlist -----------------------------------------------------------------

def variant(name: str, width: int, height: int, peak: int, codecs: str) -> VariantStream:
    return VariantStream(uri=f"{name}/index.m3u8", bitrates=Bitrates(peak, peak * 9 // 10),
                         width=width, height=height, codecs=codecs, frame_rate=29.97)


def test_the_master_playlist_lists_variants_lowest_first_with_the_shared_audio() -> None:
    audio = AudioRendition(uri="audio/index.m3u8", group_id="aud", name="Original", channels=2)

    master = render_master_playlist([
        variant("720p", 1280, 720, 2_000_000, "avc1.64001f,mp4a.40.2"),
        variant("480p", 854, 480, 900_000, "avc1.64001e,mp4a.40.2"),
    ], audio)

    assert master == (
        "#EXTM3U\n"
        "#EXT-X-VERSION:7\n"
        "#EXT-X-INDEPENDENT-SEGMENTS\n"
        '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="Original",DEFAULT=YES,AUTOSELECT=YES,'
        'CHANNELS="2",URI="audio/index.m3u8"\n'
        "#EXT-X-STREAM-INF:BANDWIDTH=900000,AVERAGE-BANDWIDTH=810000,RESOLUTION=854x480,"
        'CODECS="avc1.64001e,mp4a.40.2",FRAME-RATE=29.970,AUDIO="aud"\n'
        "480p/index.m3u8\n"
        "#EXT-X-STREAM-INF:BANDWIDTH=2000000,AVERAGE-BANDWIDTH=1800000,RESOLUTION=1280x720,"
        'CODECS="avc1.64001f,mp4a.40.2",FRAME-RATE=29.970,AUDIO="aud"\n'
        "720p/index.m3u8\n"
    )


def test_a_master_playlist_without_audio_has_no_audio_group() -> None:
    master = render_master_playlist([variant("240p", 320, 240, 300_000, "avc1.64000d")], None)

    assert "EXT-X-MEDIA" not in master and "AUDIO=" not in master
    assert master.splitlines()[-2:] == [
        "#EXT-X-STREAM-INF:BANDWIDTH=300000,AVERAGE-BANDWIDTH=270000,RESOLUTION=320x240,"
        'CODECS="avc1.64000d",FRAME-RATE=29.970',
        "240p/index.m3u8",
    ]


# --- the trick-play sprite and its cues --------------------------------------------------

def test_a_short_clip_gets_a_tile_per_keyframe() -> None:
    assert plan_sprite(6.0, keyframe_seconds=2) == SpriteSheet(
        interval=2, keyframes_per_tile=1, count=3, columns=3, rows=1)
    assert plan_sprite(61.0, keyframe_seconds=2) == SpriteSheet(
        interval=2, keyframes_per_tile=1, count=31, columns=10, rows=4)


def test_a_feature_film_fits_one_sheet() -> None:
    sheet = plan_sprite(2 * 3600.0, keyframe_seconds=2)  # 3600 keyframes, 300 tiles at most

    assert sheet == SpriteSheet(interval=24, keyframes_per_tile=12, count=300, columns=10,
                                rows=30)


def test_each_cue_points_at_its_tile_and_the_last_ends_with_the_video() -> None:
    sheet = plan_sprite(25.5, keyframe_seconds=2)  # 13 tiles: 10 + 3

    cues = render_vtt(sheet, 25.5, "sprite.jpg").rstrip("\n").split("\n\n")

    assert cues[0] == "WEBVTT"
    assert cues[1] == "00:00:00.000 --> 00:00:02.000\nsprite.jpg#xywh=0,0,160,90"
    assert cues[3] == "00:00:04.000 --> 00:00:06.000\nsprite.jpg#xywh=320,0,160,90"
    assert cues[11] == "00:00:20.000 --> 00:00:22.000\nsprite.jpg#xywh=0,90,160,90"
    assert cues[13] == "00:00:24.000 --> 00:00:25.500\nsprite.jpg#xywh=320,90,160,90"
    assert len([c for c in cues if "-->" in c]) == 13


def test_cue_times_past_an_hour() -> None:
    sheet = plan_sprite(2 * 3600.0, keyframe_seconds=2)

    last = render_vtt(sheet, 2 * 3600.0, "sprite.jpg").strip().split("\n\n")[-1]

    assert last == "01:59:36.000 --> 02:00:00.000\nsprite.jpg#xywh=1440,2610,160,90"
