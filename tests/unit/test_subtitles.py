"""Subtitle files read into cues and written as WebVTT: timings, styling, encodings,
broken cues; cut into HLS segments with X-TIMESTAMP-MAP; the master's SUBTITLES group."""

from __future__ import annotations

import struct
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "containers" / "transcoder"))

from transcoder.subtitles import Cue, SubtitleInvalid, read_subtitles, render_webvtt, webvtt_text
from transcoder.subtitles_hls import (
    SubtitleRendition,
    first_presentation_time,
    segment_cues,
    subtitle_playlist,
    subtitle_tracks,
    with_subtitles,
)

SRT = """\
1
00:00:01,000 --> 00:00:02,500
Hello, <b>world</b>!

2
00:00:03,250 --> 00:01:04,005
<font color="#ff0000">Red</font> {\\an8}top & <i>slanted
second line</i>

"""


def cue_tuples(data: bytes) -> list[tuple[int, int, str]]:
    return [(c.start_ms, c.end_ms, c.text) for c in read_subtitles(data).cues]


def test_srt_becomes_cues_with_exact_timings_and_legal_tags() -> None:
    assert cue_tuples(SRT.encode()) == [
        (1000, 2500, "Hello, <b>world</b>!"),
        (3250, 64005, "Red top &amp; <i>slanted\nsecond line</i>"),
    ]


def test_webvtt_output_is_webvtt() -> None:
    vtt = render_webvtt(read_subtitles(SRT.encode()).cues)

    assert vtt.startswith("WEBVTT\n\n00:00:01.000 --> 00:00:02.500\nHello, <b>world</b>!\n")
    assert "00:00:03.250 --> 00:01:04.005\n" in vtt


@pytest.mark.parametrize("encode", [
    lambda text: text.encode("utf-8"),
    lambda text: b"\xef\xbb\xbf" + text.encode("utf-8"),
    lambda text: text.encode("utf-16"),  # with its BOM
    lambda text: b"\xfe\xff" + text.encode("utf-16-be"),
    lambda text: text.encode("latin-1"),
], ids=["utf-8", "utf-8-bom", "utf-16-le", "utf-16-be", "latin-1"])
def test_every_encoding_comes_out_as_the_same_text(encode: object) -> None:
    text = "1\r\n00:00:01,000 --> 00:00:02,000\r\nÇa déjà vu, señor\r\n"
    assert callable(encode)

    [(_, _, cue_text)] = cue_tuples(encode(text))

    assert cue_text == "Ça déjà vu, señor"


def test_cue_text_is_never_markup() -> None:
    assert webvtt_text('<script>alert(1)</script> a --> b <u>u') == \
        "alert(1) a --&gt; b <u>u</u>"
    assert webvtt_text("<i>one <b>two</i> three") == "<i>one <b>two</b></i> three"


def test_broken_cues_are_dropped_counted_and_the_first_line_kept() -> None:
    text = SRT + "3\n00:00:09,000 --> 00:00:08,000\nBackwards\n\n4\n00:00:xx --> 1\nJunk\n"

    subtitles = read_subtitles(text.encode())

    assert len(subtitles.cues) == 2
    assert (subtitles.dropped, subtitles.first_dropped_line) == (2, 11)


@pytest.mark.parametrize(("data", "reason", "line"), [
    (b"", "empty", None),
    (b"\x00\x01\x02ftypisom", "binary", None),
    (b"Dear diary,\nnothing here.\n", "no line reads 'start --> end'", 1),
    (b"1\n00:00:05,000 --> 00:00:04,000\nno\n", "ends before it starts", 2),
    (b"WEBVTT\n\n00:00:01,000 --> 00:00:02,000\ncomma\n", "is no 'start --> end'", 3),
])
def test_what_is_refused_says_why_and_where(data: bytes, reason: str, line: int | None) -> None:
    with pytest.raises(SubtitleInvalid, match=reason) as refused:
        read_subtitles(data)

    assert refused.value.line == line and not refused.value.retryable


def test_webvtt_is_read_with_its_header_notes_and_short_timestamps() -> None:
    vtt = b"WEBVTT - a title\n\nNOTE a note\n\nid-1\n01:02.500 --> 01:03.000 line:0\nHi\n"

    assert cue_tuples(vtt) == [(62500, 63000, "Hi")]


def test_ass_dialogue_keeps_its_text_and_drops_its_styling() -> None:
    ass = ("[Script Info]\nTitle: x\n\n[Events]\n"
           "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
           "Dialogue: 0,0:00:01.50,0:00:03.00,Default,,0,0,0,,{\\an8}{\\i1}Top, left\\Nnext\n"
           "Dialogue: 0,0:00:05.00,0:00:04.00,Default,,0,0,0,,backwards\n")

    subtitles = read_subtitles(ass.encode())

    assert [(c.start_ms, c.end_ms, c.text) for c in subtitles.cues] == [
        (1500, 3000, "Top, left\nnext")]
    assert (subtitles.dropped, subtitles.first_dropped_line) == (1, 7)


# --- segments --------------------------------------------------------------------------

CUES = [Cue(500, 1500, "first"), Cue(1800, 2600, "spans"), Cue(5000, 5500, "last")]


def test_cues_are_cut_on_the_video_segments_a_spanning_cue_in_both() -> None:
    segments = segment_cues(CUES, [2.0, 2.0, 1.6], mpegts=11_520)

    assert [[line for line in s.splitlines() if "-->" not in line and line
             and not line.startswith(("WEBVTT", "X-TIMESTAMP"))] for s in segments] == [
        ["first", "spans"], ["spans"], ["last"]]
    for segment in segments:
        assert segment.splitlines()[:2] == [
            "WEBVTT", "X-TIMESTAMP-MAP=MPEGTS:11520,LOCAL:00:00:00.000"]
    assert "00:00:01.800 --> 00:00:02.600" in segments[1]  # times stay absolute


def test_the_subtitle_playlist_follows_the_video_segments() -> None:
    playlist = subtitle_playlist([2.0, 2.0, 1.6], 6)

    assert playlist.splitlines()[2] == "#EXT-X-TARGETDURATION:6"
    assert [line for line in playlist.splitlines() if not line.startswith("#")] == [
        "segment_00000.vtt", "segment_00001.vtt", "segment_00002.vtt"]
    assert "#EXTINF:1.600000," in playlist and playlist.endswith("#EXT-X-ENDLIST\n")


def box(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(body), kind) + body


def test_the_timestamp_map_is_the_first_picture_shown_at_90_khz() -> None:
    init = box(b"moov", box(b"trak", box(b"mdia", box(
        b"mdhd", bytes(4) + bytes(8) + struct.pack(">I", 12_288) + bytes(8)))))
    trun_flags = 0x001 | 0x100 | 0x200 | 0x800  # data offset, duration, size, composition
    rows = b"".join(struct.pack(">III", 512, 100, cts) for cts in (1024, 2560, 512))
    trun = box(b"trun", struct.pack(">I", trun_flags) + struct.pack(">Ii", 3, 0) + rows)
    tfdt = box(b"tfdt", struct.pack(">I", 0) + struct.pack(">I", 0))
    segment = box(b"moof", box(b"traf", tfdt + trun)) + box(b"mdat", b"")

    assert first_presentation_time(init, segment) == 512 * 90_000 // 12_288  # 3750


# --- the master's SUBTITLES group -----------------------------------------------------------

MASTER = """\
#EXTM3U
#EXT-X-VERSION:7
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",LANGUAGE="eng",NAME="English",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="2",URI="audio/index.m3u8"
#EXT-X-STREAM-INF:BANDWIDTH=1,AVERAGE-BANDWIDTH=1,RESOLUTION=320x180,CODECS="x",FRAME-RATE=24.000,AUDIO="aud"
180p/index.m3u8
"""


def test_a_track_is_added_to_and_removed_from_the_master_alone() -> None:
    french = SubtitleRendition("fr", "fr", 'Français "SDH"', "captions")

    added = with_subtitles(MASTER, [french])

    lines = added.splitlines()
    assert lines[:4] == MASTER.splitlines()[:4]
    assert lines[4].startswith('#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",LANGUAGE="fr",'
                               "NAME=\"Français 'SDH'\",DEFAULT=NO,AUTOSELECT=YES,FORCED=NO,")
    assert lines[4].endswith('URI="subtitles/fr/index.m3u8"')
    assert lines[5].endswith(',AUDIO="aud",SUBTITLES="subs"') and lines[6] == "180p/index.m3u8"
    assert subtitle_tracks(added) == ["fr"]
    again = with_subtitles(added, [SubtitleRendition("fr", "fr", "Français", "forced")])
    assert subtitle_tracks(again) == ["fr"] and "FORCED=YES" in again
    assert with_subtitles(again, [], drop=["fr"]) == MASTER


# --- the command line -------------------------------------------------------------------------

def test_the_subtitle_task_command_line_is_the_documented_one() -> None:
    from transcoder.cli import build_parser
    from transcoder.subtitle_cli import run_subtitle_command

    common = ["--movie-id", "m-1", "--version", "v1", "--language", "pt-BR",
              "--media-bucket", "media", "--events-queue-url", "http://q", "--job-id",
              "subtitles:m-1:pt-BR:abc"]
    added = build_parser().parse_args(
        ["subtitles", "add", *common, "--source-bucket", "uploads", "--source-key",
         "videos/m-1/subtitles/pt-BR.srt", "--label", "Português", "--kind", "forced"])
    removed = build_parser().parse_args(["subtitles", "remove", *common])

    assert added.command is run_subtitle_command and removed.command is run_subtitle_command
    assert (added.action, added.language, added.kind, removed.action) == (
        "add", "pt-BR", "forced", "remove")
    for bad in (["--kind", "karaoke"], ["--language", "../x"]):
        with pytest.raises(SystemExit):
            build_parser().parse_args(["subtitles", "add", *common, "--source-bucket", "u",
                                       "--source-key", "k", "--label", "x", *bad])
