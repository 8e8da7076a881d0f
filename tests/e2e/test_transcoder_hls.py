"""`transcode()` with the real ffmpeg on tiny clips made here: the HLS a player gets.

fMP4 segments decode only after their variant's init segment, so "every segment decodes"
is checked on init + segment, as a player (or ffmpeg's HLS demuxer) would read it.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "containers" / "transcoder"))

from transcoder.binaries import find_media_tools
from transcoder.errors import TranscodeTimedOut
from transcoder.ffmpeg_command import EncoderSettings
from transcoder.hls import MediaPlaylist, parse_media_playlist
from transcoder.results import TranscodeResult
from transcoder.transcode import transcode

from tests.support.media import render_sources

X264 = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
SOURCES: Mapping[str, list[str]] = {
    "clip-720p.mp4": ["-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=12:duration=6",
                      "-f", "lavfi", "-i", "sine=frequency=440:duration=6", *X264,
                      "-c:a", "aac"],
    "silent-240p.mp4": ["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=12:duration=4",
                        *X264],
}
SEGMENT_SECONDS = 6.0
# AAC frames are 1024 samples (21.3 ms at 48 kHz), so an audio segment ends on the first
# frame boundary past 6 s; RFC 8216 compares EXTINF rounded to the target duration.
AAC_FRAME_SECONDS = 1024 / 48000


@pytest.fixture(scope="module")
def ffmpeg() -> str:
    return find_media_tools().ffmpeg


@pytest.fixture(scope="module")
def media(ffmpeg: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render_sources(ffmpeg, tmp_path_factory.mktemp("media"), SOURCES)


@pytest.fixture(scope="module")
def clip(media: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[TranscodeResult, Path,
                                                                          list[float]]:
    output, progress = tmp_path_factory.mktemp("clip") / "out", list[float]()
    result = transcode(media / "clip-720p.mp4", output, on_progress=progress.append,
                       timeout_seconds=120)
    return result, output, progress


def playlist(output: Path, relative: str) -> MediaPlaylist:
    return parse_media_playlist((output / relative).read_text())


def jpeg_size(data: bytes) -> tuple[int, int]:
    """Width and height from the first baseline or progressive frame header."""
    assert data[:2] == b"\xff\xd8", "not a JPEG"
    found = re.search(rb"\xff[\xc0\xc2]", data)
    assert found is not None
    height, width = (int.from_bytes(data[found.start() + i:found.start() + i + 2], "big")
                     for i in (5, 7))
    return width, height


def decode_errors(ffmpeg: str, init: Path, segment: Path, scratch: Path) -> str:
    """What ffmpeg says decoding the segment after its init segment: nothing, if all is well."""
    scratch.write_bytes(init.read_bytes() + segment.read_bytes())
    done = subprocess.run([ffmpeg, "-v", "error", "-i", str(scratch), "-f", "null", "-"],
                          capture_output=True, text=True, timeout=60, check=False)
    return done.stderr + (f"exit status {done.returncode}" if done.returncode else "")


def test_a_720p_clip_gets_480p_and_720p_with_shared_audio(clip: tuple[TranscodeResult, Path,
                                                                        list[float]]) -> None:
    result, output, _ = clip

    assert [(r.name, r.width, r.height) for r in result.renditions] == [
        ("480p", 854, 480), ("720p", 1280, 720)]
    assert result.audio and result.audio_playlist == "audio/index.m3u8"
    assert result.duration == pytest.approx(6.0, abs=0.1)
    assert sorted(p.name for p in output.iterdir()) == [
        "480p", "720p", "audio", "master.m3u8", "sprite.jpg", "thumbnail.jpg",
        "thumbnails.vtt"]
    assert result.total_bytes == sum(p.stat().st_size for p in output.rglob("*") if p.is_file())
    for rendition in result.renditions:
        assert rendition.codecs.startswith("avc1.64") and rendition.codecs.endswith(",mp4a.40.2")
        assert 0 < rendition.average_bandwidth <= rendition.bandwidth
        assert rendition.segments == len(playlist(output, rendition.playlist).segments)


def test_the_master_playlist_names_everything_a_player_needs(
    clip: tuple[TranscodeResult, Path, list[float]],
) -> None:
    result, output, _ = clip

    master = (output / "master.m3u8").read_text().splitlines()

    assert master[0] == "#EXTM3U"
    media = [line for line in master if line.startswith("#EXT-X-MEDIA:")]
    # An untagged stream's language is "und" (issue 20).
    assert media == ['#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",LANGUAGE="und",NAME="Original",'
                     'DEFAULT=YES,AUTOSELECT=YES,CHANNELS="2",URI="audio/index.m3u8"']
    variants = [(line, master[i + 1]) for i, line in enumerate(master)
                if line.startswith("#EXT-X-STREAM-INF:")]
    assert [uri for _, uri in variants] == ["480p/index.m3u8", "720p/index.m3u8"]
    for (line, _), rendition in zip(variants, result.renditions, strict=True):
        assert f"BANDWIDTH={rendition.bandwidth}," in line
        assert f"AVERAGE-BANDWIDTH={rendition.average_bandwidth}," in line
        assert f"RESOLUTION={rendition.width}x{rendition.height}," in line
        assert f'CODECS="{rendition.codecs}"' in line
        assert "FRAME-RATE=12.000" in line and 'AUDIO="aud"' in line


def test_playlists_are_complete_with_short_aligned_segments(
    clip: tuple[TranscodeResult, Path, list[float]],
) -> None:
    result, output, _ = clip
    video = [playlist(output, r.playlist) for r in result.renditions]
    audio = playlist(output, "audio/index.m3u8")

    for each in [*video, audio]:
        assert each.ended and each.init_uri is not None
        assert each.target_duration <= SEGMENT_SECONDS
        assert all(round(s.duration) <= each.target_duration for s in each.segments)
    for each in video:
        assert all(s.duration <= SEGMENT_SECONDS + 1e-6 for s in each.segments)
    assert all(s.duration <= SEGMENT_SECONDS + AAC_FRAME_SECONDS for s in audio.segments)
    # Same boundaries in every rung: a player can switch at any segment.
    assert len({tuple(s.duration for s in each.segments) for each in video}) == 1
    # EVENT, as while they grew (a playlist may not change its type), and ended.
    for relative in ["480p/index.m3u8", "720p/index.m3u8", "audio/index.m3u8"]:
        text = (output / relative).read_text()
        assert "#EXT-X-PLAYLIST-TYPE:EVENT" in text and text.endswith("#EXT-X-ENDLIST\n")


def test_every_segment_decodes(clip: tuple[TranscodeResult, Path, list[float]], ffmpeg: str,
                               tmp_path: Path) -> None:
    result, output, _ = clip

    for relative in [*(r.playlist for r in result.renditions), "audio/index.m3u8"]:
        folder = (output / relative).parent
        media = playlist(output, relative)
        assert media.init_uri is not None
        for segment in media.segments:
            said = decode_errors(ffmpeg, folder / media.init_uri, folder / segment.uri,
                                 tmp_path / "joined.mp4")
            assert said == "", f"{relative} {segment.uri}: {said}"


def keyframe_times(ffmpeg: str, playlist: Path) -> list[float]:
    done = subprocess.run([ffmpeg, "-hide_banner", "-nostdin", "-skip_frame", "nokey",
                           "-i", str(playlist), "-vf", "showinfo", "-f", "null", "-"],
                          capture_output=True, text=True, timeout=60, check=True)
    return [float(t) for t in re.findall(r"pts_time:([\d.]+)", done.stderr)]


def test_every_rung_has_a_keyframe_every_2_seconds(
    clip: tuple[TranscodeResult, Path, list[float]], ffmpeg: str,
) -> None:
    result, output, _ = clip

    for rendition in result.renditions:
        # Through an EVENT playlist ffmpeg shows the first picture at its presentation
        # time (after the B-frame delay): every 2 s from there.
        times = keyframe_times(ffmpeg, output / rendition.playlist)
        assert [round(t - times[0], 6) for t in times] == [0.0, 2.0, 4.0]


def test_the_master_playlist_plays_through_ffmpeg(
    clip: tuple[TranscodeResult, Path, list[float]], ffmpeg: str,
) -> None:
    _, output, _ = clip

    done = subprocess.run([ffmpeg, "-v", "error", "-i", str(output / "master.m3u8"),
                           "-map", "0", "-f", "null", "-"],
                          capture_output=True, text=True, timeout=60, check=False)

    assert (done.returncode, done.stderr) == (0, "")


def test_thumbnail_sprite_and_cues(clip: tuple[TranscodeResult, Path, list[float]]) -> None:
    result, output, _ = clip

    assert jpeg_size((output / result.thumbnail).read_bytes()) == (1280, 720)
    assert jpeg_size((output / result.sprite).read_bytes()) == (3 * 160, 90)
    cues = (output / result.vtt).read_text()
    assert cues.startswith("WEBVTT\n")
    assert re.findall(r"sprite\.jpg#xywh=(\d+),(\d+),160,90", cues) == [
        ("0", "0"), ("160", "0"), ("320", "0")]


def test_progress_is_reported_in_percent(clip: tuple[TranscodeResult, Path,
                                                      list[float]]) -> None:
    _, _, progress = clip

    assert progress, "no progress reported"
    assert all(0.0 <= percent <= 100.0 for percent in progress)
    assert progress == sorted(progress)


def test_a_small_silent_clip_gets_one_rung_and_no_audio_group(media: Path,
                                                               tmp_path: Path) -> None:
    result = transcode(media / "silent-240p.mp4", tmp_path / "out", on_progress=print,
                       timeout_seconds=60)

    assert [(r.name, r.width, r.height) for r in result.renditions] == [("240p", 320, 240)]
    assert not result.audio and result.audio_playlist is None
    assert not (tmp_path / "out" / "audio").exists()
    assert result.renditions[0].codecs.startswith("avc1.") and "mp4a" not in \
        result.renditions[0].codecs
    master = (tmp_path / "out" / "master.m3u8").read_text()
    assert "EXT-X-MEDIA" not in master and "AUDIO=" not in master
    assert "RESOLUTION=320x240" in master
    assert jpeg_size((tmp_path / "out" / "thumbnail.jpg").read_bytes()) == (1280, 720)


def test_an_ffmpeg_without_zimg_scales_with_swscale(media: Path, ffmpeg: str,
                                                      tmp_path: Path) -> None:
    output = tmp_path / "out"
    result = transcode(media / "silent-240p.mp4", output, on_progress=print,
                       timeout_seconds=60, settings=EncoderSettings(zimg=False))

    assert [(r.name, r.width, r.height) for r in result.renditions] == [("240p", 320, 240)]
    rung = output / result.renditions[0].playlist
    listed = parse_media_playlist(rung.read_text())
    assert listed.init_uri is not None and listed.ended
    init, first = rung.parent / listed.init_uri, rung.parent / listed.segments[0].uri
    assert decode_errors(ffmpeg, init, first, tmp_path / "first.mp4") == ""


def test_a_transcode_that_overruns_is_killed_and_says_so(media: Path, tmp_path: Path) -> None:
    started = time.monotonic()

    with pytest.raises(TranscodeTimedOut, match=r"^timed out after 0.3 s$") as raised:
        transcode(media / "clip-720p.mp4", tmp_path / "out", on_progress=print,
                  timeout_seconds=0.3)

    assert time.monotonic() - started < 5
    assert (raised.value.code, raised.value.retryable) == ("timeout", True)
    assert not (tmp_path / "out" / "master.m3u8").exists()
