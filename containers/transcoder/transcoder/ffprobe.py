"""Reading a source from `ffprobe -print_format json -show_format -show_streams` output."""

from __future__ import annotations

import json
from typing import Any

from transcoder.audio_tracks import SourceTracks, tracks_from_ffprobe
from transcoder.errors import ProbeFailed
from transcoder.source import SourceInfo, VideoStream, require_video


def parse_ffprobe_json(document: str, size_bytes: int) -> SourceInfo:
    """The source ffprobe's JSON describes; NotAVideo when it is not a streamable video."""
    try:
        probed = json.loads(document)
        container: str = probed["format"]["format_name"]
        streams: list[dict[str, Any]] = probed.get("streams", [])
        video = next((s for s in streams if _is_video(s)), None)
        audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
        duration_seconds = _duration(probed["format"], video)
        video_stream = _video_stream(video) if video else None
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise ProbeFailed(f"ffprobe printed no usable JSON: {error!r}") from error
    return require_video(
        container=container,
        duration_seconds=duration_seconds,
        video=video_stream,
        audio_codec=audio.get("codec_name", "unknown") if audio else None,
        size_bytes=size_bytes,
    )


def parse_ffprobe_tracks(document: str) -> SourceTracks:
    """The audio and subtitle streams of a document parse_ffprobe_json has accepted."""
    try:
        return tracks_from_ffprobe(json.loads(document).get("streams", []))
    except (ValueError, TypeError, AttributeError) as error:
        raise ProbeFailed(f"ffprobe printed no usable streams: {error!r}") from error


def _is_video(stream: dict[str, Any]) -> bool:
    # Cover art in an audio file is a one-picture "video" stream flagged attached_pic.
    attached_pic = stream.get("disposition", {}).get("attached_pic", 0)
    return stream.get("codec_type") == "video" and not attached_pic


def _duration(probed_format: dict[str, Any], video: dict[str, Any] | None) -> float | None:
    # Some containers (raw streams, a few MKVs) carry the duration on the stream only.
    for owner in (probed_format, video or {}):
        if owner.get("duration") not in (None, "N/A"):
            return float(owner["duration"])
    return None


def _video_stream(stream: dict[str, Any]) -> VideoStream:
    return VideoStream(
        codec=stream.get("codec_name", "unknown"),
        width=int(stream.get("width", 0)),
        height=int(stream.get("height", 0)),
        frame_rate=_rate(stream.get("avg_frame_rate")) or _rate(stream.get("r_frame_rate")),
        rotation=_rotation(stream),
    )


def _rate(ratio: str | None) -> float:
    # "30000/1001"; "0/0" where the container does not know the average.
    if not ratio:
        return 0.0
    numerator, _, denominator = ratio.partition("/")
    divisor = int(denominator or 1)
    return int(numerator) / divisor if divisor else 0.0


def _rotation(stream: dict[str, Any]) -> float:
    for side_data in stream.get("side_data_list", []):
        if "rotation" in side_data:
            return float(side_data["rotation"])
    # Older ffprobes reported it only as a `rotate` tag.
    return float(stream.get("tags", {}).get("rotate", 0))
