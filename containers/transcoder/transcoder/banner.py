"""Reading a source from the banner `ffmpeg -hide_banner -i SOURCE` prints (when no ffprobe).

The banner is meant for people and changes between ffmpeg versions, so the parser reads only
lines whose shape has held for years: `Input #0, FORMAT, from`, `Duration:`, `Stream #I:J...:
Video|Audio: CODEC...` and the video stream's display matrix.
"""

from __future__ import annotations

import re

from transcoder.errors import NotAVideo
from transcoder.source import SourceInfo, VideoStream, require_video

_INPUT = re.compile(r"^Input #0, (?P<format>.+?), from ", re.MULTILINE)
_DURATION = re.compile(
    r"^\s+Duration: (?:N/A|(?P<h>\d+):(?P<m>\d\d):(?P<s>\d\d(?:\.\d+)?))", re.MULTILINE
)
# Between the index and the kind: an optional [0x1] stream id and (und) language.
_STREAM = re.compile(
    r"^\s+Stream #\d+:\d+\S*: (?P<kind>\w+): (?P<codec>[^\s,]+)(?P<details>.*)$", re.MULTILINE
)
# Preceded by ", " so that a codec tag like "(avc1 / 0x31637661)" never reads as a size.
_FRAME_SIZE = re.compile(r", (?P<w>\d+)x(?P<h>\d+)(?=[\s,]|$)")
_RATE = re.compile(r"(?P<value>\d+(?:\.\d+)?)(?P<kilo>k?) (?P<unit>fps|tbr)\b")
_ROTATION = re.compile(
    r"^\s+display ?matrix: rotation of (?P<degrees>-?\d+(?:\.\d+)?) degrees",
    re.MULTILINE | re.IGNORECASE,
)
_LOG_PREFIX = re.compile(r"^\[[^\]]*\]\s*")
# A presigned URL's query string is a read credential: it stays out of reasons and logs.
_URL_QUERY = re.compile(r"(?P<url>https?://[^\s?'\"]*)\?[^\s'\"]*")


def parse_ffmpeg_banner(text: str, size_bytes: int) -> SourceInfo:
    """The source ffmpeg's stderr describes; NotAVideo when it is not a streamable video."""
    opened = _INPUT.search(text)
    if opened is None:
        raise NotAVideo(f"ffmpeg cannot read it ({last_message(text)})")
    streams = list(_STREAM.finditer(text))
    audio_codec = next((s["codec"] for s in streams if s["kind"] == "Audio"), None)
    return require_video(
        container=opened["format"],
        duration_seconds=_duration(text),
        video=_first_video(text, streams),
        audio_codec=audio_codec,
        size_bytes=size_bytes,
    )


def _duration(text: str) -> float | None:
    found = _DURATION.search(text)
    if found is None or found["h"] is None:
        return None
    return int(found["h"]) * 3600 + int(found["m"]) * 60 + float(found["s"])


def _first_video(text: str, streams: list[re.Match[str]]) -> VideoStream | None:
    for index, stream in enumerate(streams):
        details = stream["details"]
        # Cover art in an audio file is a one-picture "video" stream flagged this way.
        if stream["kind"] != "Video" or "(attached pic)" in details:
            continue
        size = _FRAME_SIZE.search(details)
        # The stream's own lines (metadata, side data) run up to the next stream.
        block_end = streams[index + 1].start() if index + 1 < len(streams) else len(text)
        rotation = _ROTATION.search(text, stream.end(), block_end)
        return VideoStream(
            codec=stream["codec"],
            width=int(size["w"]) if size else 0,
            height=int(size["h"]) if size else 0,
            frame_rate=_frame_rate(details),
            rotation=float(rotation["degrees"]) if rotation else 0.0,
        )
    return None


def _frame_rate(details: str) -> float:
    # "fps" is the average rate; "tbr" (ffmpeg's guess) stands in when a stream has none.
    rates = {m["unit"]: float(m["value"]) * (1000 if m["kilo"] else 1)
             for m in _RATE.finditer(details)}
    return rates.get("fps") or rates.get("tbr") or 0.0


def last_message(text: str) -> str:
    """The last thing ffmpeg or ffprobe said on stderr, without its "[demuxer @ 0x...]" tag."""
    lines = [_LOG_PREFIX.sub("", line).strip() for line in text.splitlines()]
    return without_url_queries(next((line for line in reversed(lines) if line), "no output"))


def without_url_queries(text: str) -> str:
    """`text` with the query string of every URL in it cut off."""
    return _URL_QUERY.sub(r"\g<url>?...", text)
