"""A source's audio and subtitle streams (from ffprobe's JSON or ffmpeg's banner), and the
audio renditions they become.

Every audio stream gets a stereo AAC rendition; one of 6 channels or more also gets a 5.1
one, AAC too rather than AC-3/E-AC-3: its codec string stays mp4a.40.2, which every MSE
browser decodes, whereas Chrome and Firefox decode no AC-3 and hls.js drops a variant
whose CODECS the browser cannot play, so AC-3 would need a second audio group and a copy
of every variant pointing at it. The default stream's stereo rendition keeps the folder
`audio/` that a single-audio version always had (the Videoflix paths serve it).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

DEFAULT_AUDIO_NAME = "audio"  # = ffmpeg_command.AUDIO_NAME, the folder players always had
STEREO, SURROUND = 2, 6
SURROUND_KBPS_FACTOR = 3  # 5.1 AAC at three times the stereo rate: 384 kbit/s
TEXT_SUBTITLE_CODECS = frozenset({"subrip", "srt", "ass", "ssa", "webvtt", "mov_text", "text"})
# ISO 639-2 (what containers carry) to the shorter BCP 47 tag HLS's LANGUAGE and browsers
# match preferences by, and a name for NAME when the stream has no title.
LANGUAGES = {
    "eng": ("en", "English"), "fre": ("fr", "Français"), "fra": ("fr", "Français"),
    "ger": ("de", "Deutsch"), "deu": ("de", "Deutsch"), "spa": ("es", "Español"),
    "ita": ("it", "Italiano"), "por": ("pt", "Português"), "dut": ("nl", "Nederlands"),
    "nld": ("nl", "Nederlands"), "jpn": ("ja", "日本語"), "chi": ("zh", "中文"),
    "zho": ("zh", "中文"), "kor": ("ko", "한국어"), "rus": ("ru", "Русский"),
    "ara": ("ar", "العربية"), "hin": ("hi", "हिन्दी"), "pol": ("pl", "Polski"),
    "swe": ("sv", "Svenska"), "tur": ("tr", "Türkçe"),
}
_LAYOUT_CHANNELS = {"mono": 1, "stereo": 2, "2.1": 3, "3.0": 3, "quad": 4, "4.0": 4,
                    "5.0": 5, "5.1": 6, "6.1": 7, "7.1": 8}
_BANNER_STREAM = re.compile(
    r"^\s*Stream #\d+:\d+(?:\[[^\]]*\])?(?:\((?P<lang>[^)]*)\))?: (?P<type>Audio|Subtitle): "
    r"(?P<codec>[\w-]+)(?P<rest>.*)$")


@dataclass(frozen=True)
class SourceAudio:
    index: int  # among the source's audio streams: ffmpeg's 0:a:<index>
    language: str  # a BCP 47 tag, "und" when the source says none
    title: str | None
    channels: int
    default: bool


@dataclass(frozen=True)
class SourceSubtitle:
    index: int  # among the source's subtitle streams: 0:s:<index>
    codec: str
    language: str
    title: str | None
    forced: bool
    hearing_impaired: bool

    @property
    def is_text(self) -> bool:
        return self.codec in TEXT_SUBTITLE_CODECS


@dataclass(frozen=True)
class SourceTracks:
    audio: tuple[SourceAudio, ...] = ()
    subtitles: tuple[SourceSubtitle, ...] = ()


@dataclass(frozen=True)
class AudioPlan:
    """One audio rendition: a folder of its own, an entry in the master's audio group."""

    name: str  # its folder: "audio", "audio_1", "audio_0_6ch"
    stream: int  # 0:a:<stream>
    language: str
    label: str
    channels: int
    default: bool
    kbps: int


def language_tag(tag: str | None) -> str:
    tag = (tag or "").strip()
    if not tag or tag.lower() == "und":
        return "und"
    return LANGUAGES.get(tag.lower(), (tag, ""))[0]


def language_name(tag: str) -> str | None:
    """"English" for "en"; None for a tag not in LANGUAGES."""
    return next((name for short, name in LANGUAGES.values() if short == tag), None)


def plan_audio(streams: Sequence[SourceAudio], stereo_kbps: int) -> tuple[AudioPlan, ...]:
    """The renditions of `streams`: the default-tagged one (else the first) is the stereo
    `audio/` rendition players get by default; every other one is there to choose."""
    if not streams:
        return ()
    chosen = next((s for s in streams if s.default), streams[0])
    plans = []
    for stream in sorted(streams, key=lambda s: s.index != chosen.index):  # chosen first
        label = stream.title or language_name(stream.language) or (
            "Original" if stream is chosen else f"Audio {stream.index + 1}")
        is_default = stream is chosen
        plans.append(AudioPlan(DEFAULT_AUDIO_NAME if is_default else f"audio_{stream.index}",
                               stream.index, stream.language, label, STEREO, is_default,
                               stereo_kbps))
        if stream.channels >= SURROUND:
            plans.append(AudioPlan(f"audio_{stream.index}_6ch", stream.index, stream.language,
                                   f"{label} 5.1", SURROUND, False,
                                   stereo_kbps * SURROUND_KBPS_FACTOR))
    return tuple(plans)


def tracks_from_ffprobe(streams: Sequence[dict[str, Any]]) -> SourceTracks:
    audio: list[SourceAudio] = []
    subtitles: list[SourceSubtitle] = []
    for stream in streams:
        tags = {k.lower(): v for k, v in (stream.get("tags") or {}).items()}
        disposition = stream.get("disposition") or {}
        if stream.get("codec_type") == "audio":
            audio.append(SourceAudio(len(audio), language_tag(tags.get("language")),
                                     tags.get("title"), int(stream.get("channels") or 2),
                                     bool(disposition.get("default"))))
        elif stream.get("codec_type") == "subtitle":
            subtitles.append(SourceSubtitle(
                len(subtitles), stream.get("codec_name", "unknown"),
                language_tag(tags.get("language")), tags.get("title"),
                bool(disposition.get("forced")), bool(disposition.get("hearing_impaired"))))
    return SourceTracks(tuple(audio), tuple(subtitles))


def tracks_from_banner(banner: str) -> SourceTracks:
    """The same from `ffmpeg -i`'s description of its input (where there is no ffprobe)."""
    audio: list[SourceAudio] = []
    subtitles: list[SourceSubtitle] = []
    lines = banner.splitlines()
    for number, line in enumerate(lines):
        match = _BANNER_STREAM.match(line)
        if not match:
            continue
        language = language_tag(match["lang"])
        title = _banner_title(lines[number + 1:])
        flags = set(re.findall(r"\((default|forced|hearing impaired)\)", match["rest"]))
        if match["type"] == "Audio":
            audio.append(SourceAudio(len(audio), language, title,
                                     _banner_channels(match["rest"]), "default" in flags))
        else:
            subtitles.append(SourceSubtitle(len(subtitles), match["codec"], language, title,
                                            "forced" in flags, "hearing impaired" in flags))
    return SourceTracks(tuple(audio), tuple(subtitles))


def _banner_title(following: list[str]) -> str | None:
    # A stream's "Metadata:" block, indented under it, until the next stream or section.
    for line in following[1:] if following and "Metadata:" in following[0] else []:
        if not line.startswith("      "):
            break
        key, _, value = line.partition(":")
        if key.strip().lower() == "title":
            return value.strip()
    return None


def _banner_channels(description: str) -> int:
    for piece in description.split(","):
        part = piece.strip()
        layout = part.split("(")[0].strip()
        if layout in _LAYOUT_CHANNELS:
            return _LAYOUT_CHANNELS[layout]
        if part.endswith(" channels") and part.split()[0].isdigit():
            return int(part.split()[0])
    return STEREO
