"""A source's audio and subtitle streams read from ffprobe's JSON and ffmpeg's banner, the
audio renditions planned from them, and what ffmpeg and the master are told."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "containers" / "transcoder"))

from transcoder.audio_tracks import (
    SourceAudio,
    SourceSubtitle,
    plan_audio,
    tracks_from_banner,
    tracks_from_ffprobe,
)
from transcoder.ffmpeg_command import hls_command
from transcoder.ffprobe import parse_ffprobe_tracks
from transcoder.hls import AudioRendition, Bitrates, VariantStream, render_master_playlist
from transcoder.ladder import RenditionLadder, Rung
from transcoder.subtitles_hls import SubtitleRendition

BANNER = """\
Input #0, matroska,webm, from 'file:/in/movie.mkv':
  Duration: 00:00:06.02, start: 0.000000, bitrate: 853 kb/s
  Stream #0:0: Video: h264 (High), yuv420p(progressive), 320x180, 24 fps, 24 tbr, 1k tbn
  Stream #0:1(eng): Audio: aac (LC), 48000 Hz, stereo, fltp
    Metadata:
      title           : Commentary
      DURATION        : 00:00:06.023000000
  Stream #0:2(fre): Audio: ac3, 48000 Hz, 5.1(side), fltp, 448 kb/s (default)
  Stream #0:3(eng): Subtitle: subrip (srt) (forced)
  Stream #0:4(ger): Subtitle: hdmv_pgs_subtitle (pgssub) (hearing impaired)
At least one output file must be specified
"""


def test_the_banner_names_every_audio_and_subtitle_stream() -> None:
    tracks = tracks_from_banner(BANNER)

    assert tracks.audio == (SourceAudio(0, "en", "Commentary", 2, False),
                            SourceAudio(1, "fr", None, 6, True))
    assert tracks.subtitles == (SourceSubtitle(0, "subrip", "en", None, True, False),
                                SourceSubtitle(1, "hdmv_pgs_subtitle", "de", None, False, True))
    assert [s.is_text for s in tracks.subtitles] == [True, False]


def test_ffprobe_json_says_the_same() -> None:
    streams: list[dict[str, Any]] = [
        {"codec_type": "video", "codec_name": "h264"},
        {"codec_type": "audio", "channels": 2, "disposition": {"default": 0}},
        {"codec_type": "audio", "channels": 6, "tags": {"LANGUAGE": "spa", "title": "Cine"},
         "disposition": {"default": 1}},
        {"codec_type": "subtitle", "codec_name": "mov_text", "tags": {"language": "xyz"},
         "disposition": {"forced": 0, "hearing_impaired": 1}},
    ]

    tracks = parse_ffprobe_tracks(json.dumps({"streams": streams}))

    assert tracks == tracks_from_ffprobe(streams)
    assert tracks.audio == (SourceAudio(0, "und", None, 2, False),
                            SourceAudio(1, "es", "Cine", 6, True))
    assert tracks.subtitles == (SourceSubtitle(0, "mov_text", "xyz", None, False, True),)


def test_every_stream_gets_stereo_the_default_in_audio_and_surround_a_51_rendition() -> None:
    plans = plan_audio(tracks_from_banner(BANNER).audio, 128)

    assert [(p.name, p.stream, p.language, p.label, p.channels, p.default, p.kbps)
            for p in plans] == [
        ("audio", 1, "fr", "Français", 2, True, 128),
        ("audio_1_6ch", 1, "fr", "Français 5.1", 6, False, 384),
        ("audio_0", 0, "en", "Commentary", 2, False, 128),
    ]


def test_without_a_default_tag_the_first_stream_is_the_default() -> None:
    plans = plan_audio([SourceAudio(0, "und", None, 1, False),
                        SourceAudio(1, "de", None, 2, False)], 96)

    assert [(p.name, p.label, p.default) for p in plans] == [
        ("audio", "Original", True), ("audio_1", "Deutsch", False)]


LADDER = RenditionLadder(rungs=(Rung("480p", 854, 480, 1600, 3200),), frame_rate=24.0,
                         audio=True)


def test_ffmpeg_encodes_each_rendition_from_its_stream_into_its_folder(tmp_path: Path) -> None:
    plans = plan_audio(tracks_from_banner(BANNER).audio, 128)

    command = hls_command("ffmpeg", Path("/in/movie.mkv"), LADDER, tmp_path, audio=plans)

    text = " ".join(command)
    assert "-map 0:a:1 -b:a:0 128k -ac:a:0 2 -map 0:a:1 -b:a:1 384k -ac:a:1 6 " \
           "-map 0:a:0 -b:a:2 128k -ac:a:2 2 -c:a aac" in text
    assert command[command.index("-var_stream_map") + 1] == (
        "v:0,agroup:aud,name:480p a:0,agroup:aud,name:audio "
        "a:1,agroup:aud,name:audio_1_6ch a:2,agroup:aud,name:audio_0")


def test_the_master_names_every_audio_rendition_and_the_subtitles_group() -> None:
    audio = [AudioRendition("audio/index.m3u8", "aud", "Français", 2, "fr"),
             AudioRendition("audio_1_6ch/index.m3u8", "aud", "Français 5.1", 6, "fr",
                            default=False)]
    variant = VariantStream("480p/index.m3u8", Bitrates(2_000_000, 1_500_000), 854, 480,
                            "avc1.64001e,mp4a.40.2", 24.0)

    master = render_master_playlist(
        [variant], audio, [SubtitleRendition("en", "en", "English", "subtitles")]).splitlines()

    assert master[3:6] == [
        '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",LANGUAGE="fr",NAME="Français",DEFAULT=YES,'
        'AUTOSELECT=YES,CHANNELS="2",URI="audio/index.m3u8"',
        '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",LANGUAGE="fr",NAME="Français 5.1",DEFAULT=NO,'
        'AUTOSELECT=YES,CHANNELS="6",URI="audio_1_6ch/index.m3u8"',
        '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",LANGUAGE="en",NAME="English",DEFAULT=NO,'
        'AUTOSELECT=YES,FORCED=NO,URI="subtitles/en/index.m3u8"',
    ]
    assert master[6].endswith(',AUDIO="aud",SUBTITLES="subs"')
