"""A source with several audio and subtitle streams (issue 20), and the master playlist's
EXT-X-MEDIA entries read back, for the transcoder tests of the one-pass and chunked paths.

`tracks.mkv`: 6 s of 320x180 with two audio streams (English stereo; French 5.1, titled
and tagged default) and two text subtitle streams (English SubRip; French WebVTT, forced).
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from pathlib import Path

from tests.support.media import render_sources

TRACKS_SOURCE = "tracks.mkv"
SRT_EN = "1\n00:00:00,500 --> 00:00:01,500\nHello <i>there</i>\n\n" \
         "2\n00:00:01,800 --> 00:00:02,600\nAcross a boundary\n"
VTT_FR = "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\nBonjour\n"


def sources(folder: Path) -> Mapping[str, list[str]]:
    """The ffmpeg arguments of `tracks.mkv` (its subtitle files written into `folder`)."""
    (folder / "en.srt").write_text(SRT_EN)
    (folder / "fr.vtt").write_text(VTT_FR)
    return {TRACKS_SOURCE: [
        "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=24:duration=6",
        "-f", "lavfi", "-i", "sine=frequency=440:duration=6",
        "-f", "lavfi", "-i", "sine=frequency=220:duration=6,aformat=channel_layouts=5.1",
        "-i", str(folder / "en.srt"), "-i", str(folder / "fr.vtt"),
        "-map", "0", "-map", "1", "-map", "2", "-map", "3", "-map", "4",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac",
        "-c:s:0", "srt", "-c:s:1", "webvtt",
        "-metadata:s:a:0", "language=eng", "-metadata:s:a:1", "language=fre",
        "-metadata:s:a:1", "title=Français", "-disposition:a:0", "0",
        "-disposition:a:1", "default",
        "-metadata:s:s:0", "language=eng", "-metadata:s:s:1", "language=fre",
        "-disposition:s:0", "0", "-disposition:s:1", "forced"]}


def render_tracks_source(ffmpeg: str, folder: Path) -> Path:
    """`folder/tracks.mkv`, made with ffmpeg's generators."""
    return render_sources(ffmpeg, folder, sources(folder)) / TRACKS_SOURCE


def media_lines(master: str, kind: str) -> list[dict[str, str]]:
    """The attributes of each `#EXT-X-MEDIA:TYPE=<kind>` entry, in order."""
    found = []
    for line in master.splitlines():
        if line.startswith(f"#EXT-X-MEDIA:TYPE={kind},"):
            pairs = [p.split("=", 1) for p in line.split(":", 1)[1].split(",")]
            found.append({key: value.strip('"') for key, value in pairs})
    return found


# Each rendition of `tracks.mkv` and what ffmpeg's description of it says.
RENDITIONS = {"180p": "Video", "audio": "stereo", "audio_0": "stereo",
              "audio_1_6ch": "5.1", "subtitles/en": "Subtitle: webvtt",
              "subtitles/fr": "Subtitle: webvtt"}


def read_back(ffmpeg: str, playlist: Path) -> tuple[int, str, str]:
    """ffmpeg reading a media playlist to its end: its exit status and error output, and
    its description of the input."""
    # The null muxer takes no subtitle stream: those are read back as WebVTT.
    subtitles = "subtitles" in playlist.parts
    sink = ["-map", "0", "-c:s", "webvtt", "-f", "webvtt"] if subtitles else ["-f", "null"]
    read = subprocess.run([ffmpeg, "-hide_banner", "-v", "error", "-i", str(playlist),
                           *sink, "-"], capture_output=True, text=True, timeout=60, check=False)
    described = subprocess.run([ffmpeg, "-hide_banner", "-i", str(playlist)],
                               capture_output=True, text=True, timeout=60, check=False)
    return read.returncode, read.stderr, described.stderr
