"""HLS playlists: reading and writing media playlists, writing the master playlist.

The master is written here, not by ffmpeg: ffmpeg's lists the audio rendition as a variant
of its own (a player could pick sound without picture), omits FRAME-RATE, and derives
BANDWIDTH from encoder settings, whereas here it is measured from the segments written.
So are the media playlists, from the segments themselves (hls_output.py).

Media playlists are EVENT playlists from the first one published: one that grows while
the encode runs may only gain segments, and then EXT-X-ENDLIST, never change its type
(RFC 8216, 6.2.1), so the finished one keeps it; players treat it as VOD once ended.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from transcoder.subtitles_hls import SubtitleRendition

SUBTITLE_GROUP = "subs"

AAC_LC = "mp4a.40.2"
# A segment this short (the end of a clip) says little about peak rate: one keyframe in
# 40 ms reads as many Mbit/s and would scare players off a perfectly good variant.
MIN_PEAK_SEGMENT_SECONDS = 1.0


@dataclass(frozen=True)
class MediaSegment:
    uri: str
    duration: float


@dataclass(frozen=True)
class MediaPlaylist:
    target_duration: int
    init_uri: str | None  # EXT-X-MAP: the fMP4 init segment
    segments: tuple[MediaSegment, ...]
    ended: bool  # EXT-X-ENDLIST: complete, as a VOD playlist must be

    @property
    def duration(self) -> float:
        return sum(segment.duration for segment in self.segments)


@dataclass(frozen=True)
class Bitrates:
    peak: int  # bit/s of the fullest segment: BANDWIDTH
    average: int  # bit/s over the whole playlist: AVERAGE-BANDWIDTH


@dataclass(frozen=True)
class VariantStream:
    uri: str
    bitrates: Bitrates  # video and audio together, as a player downloads them
    width: int
    height: int
    codecs: str
    frame_rate: float


@dataclass(frozen=True)
class AudioRendition:
    uri: str
    group_id: str
    name: str
    channels: int
    language: str | None = None  # None: a version made before languages were read
    default: bool = True

    def media_line(self) -> str:
        language = f'LANGUAGE="{self.language}",' if self.language else ""
        return (f'#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="{self.group_id}",{language}'
                f'NAME="{self.name}",DEFAULT={"YES" if self.default else "NO"},AUTOSELECT=YES,'
                f'CHANNELS="{self.channels}",URI="{self.uri}"')


def parse_media_playlist(text: str) -> MediaPlaylist:
    """The segments of a media playlist; ValueError when it is none."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines or lines[0] != "#EXTM3U":
        raise ValueError("not an M3U8 playlist")
    target, init_uri, pending, segments = None, None, None, []
    for line in lines[1:]:
        if line.startswith("#EXT-X-TARGETDURATION:"):
            target = int(line.partition(":")[2])
        elif line.startswith("#EXT-X-MAP:"):
            init_uri = _attribute(line, "URI")
        elif line.startswith("#EXTINF:"):
            pending = float(line.partition(":")[2].partition(",")[0])
        elif not line.startswith("#") and pending is not None:
            segments.append(MediaSegment(line, pending))
            pending = None
    if target is None or not segments:
        raise ValueError("a media playlist needs EXT-X-TARGETDURATION and segments")
    return MediaPlaylist(target, init_uri, tuple(segments), "#EXT-X-ENDLIST" in lines)


def render_media_playlist(playlist: MediaPlaylist) -> str:
    """An EVENT playlist of `playlist`'s segments, ended when it says so."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", f"#EXT-X-TARGETDURATION:{playlist.target_duration}",
             "#EXT-X-MEDIA-SEQUENCE:0", "#EXT-X-PLAYLIST-TYPE:EVENT",
             "#EXT-X-INDEPENDENT-SEGMENTS"]
    if playlist.init_uri is not None:
        lines.append(f'#EXT-X-MAP:URI="{playlist.init_uri}"')
    for segment in playlist.segments:
        lines += [f"#EXTINF:{segment.duration:.6f},", segment.uri]
    if playlist.ended:
        lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


def target_duration(segment_seconds: int, segments: Sequence[MediaSegment]) -> int:
    """EXT-X-TARGETDURATION: every segment's duration, rounded, is at most it; at least the
    segment length asked for, so that it stays the same while a playlist grows."""
    return max([segment_seconds, *(round(s.duration) for s in segments)])


def _attribute(line: str, name: str) -> str | None:
    for pair in line.partition(":")[2].split(","):
        key, _, value = pair.partition("=")
        if key == name:
            return value.strip('"')
    return None


def measure_bitrates(playlist: MediaPlaylist, folder: Path) -> Bitrates:
    """Rates from the segments' sizes on disk (the init segment, fetched once, aside)."""
    return bitrates([((folder / s.uri).stat().st_size, s.duration) for s in playlist.segments])


def bitrates(segments: Sequence[tuple[int, float]]) -> Bitrates:
    """Peak and average rates of segments given as (bytes, seconds)."""
    rates = [size * 8 / seconds for size, seconds in segments
             if seconds >= MIN_PEAK_SEGMENT_SECONDS]
    total_seconds = sum(seconds for _, seconds in segments)
    average = sum(size for size, _ in segments) * 8 / total_seconds \
        if total_seconds > 0 else 0.0
    return Bitrates(peak=round(max(rates, default=average)), average=round(average))


def avc_codec(init_segment: bytes) -> str:
    """RFC 6381 name ("avc1.64001f") from the avcC box of an fMP4 init segment."""
    box = init_segment.find(b"avcC")
    if box < 0 or len(init_segment) < box + 8:
        raise ValueError("no avcC box: not an H.264 init segment")
    profile, constraints, level = init_segment[box + 5:box + 8]
    return f"avc1.{profile:02x}{constraints:02x}{level:02x}"


def render_master_playlist(variants: Sequence[VariantStream],
                           audio: AudioRendition | Sequence[AudioRendition] | None,
                           subtitles: Sequence[SubtitleRendition] = ()) -> str:
    """Every variant names the one audio group (all the audio renditions: the stereo ones
    CHANNELS="2", so that a stereo device never picks a 5.1 one) and, when there are
    tracks, the subtitles group."""
    renditions = [audio] if isinstance(audio, AudioRendition) else list(audio or [])
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS"]
    lines += [rendition.media_line() for rendition in renditions]
    audio = renditions[0] if renditions else None
    lines += [track.media_line() for track in subtitles]
    for variant in sorted(variants, key=lambda v: v.bitrates.peak):
        attributes = [
            f"BANDWIDTH={variant.bitrates.peak}",
            f"AVERAGE-BANDWIDTH={variant.bitrates.average}",
            f"RESOLUTION={variant.width}x{variant.height}",
            f'CODECS="{variant.codecs}"',
            f"FRAME-RATE={variant.frame_rate:.3f}",
        ]
        if audio is not None:
            attributes.append(f'AUDIO="{audio.group_id}"')
        if subtitles:
            attributes.append(f'SUBTITLES="{SUBTITLE_GROUP}"')
        lines += ["#EXT-X-STREAM-INF:" + ",".join(attributes), variant.uri]
    return "\n".join(lines) + "\n"
