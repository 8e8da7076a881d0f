"""The poster frame and the trick-play sprite sheet with its WebVTT index.

Both come from ffmpeg runs of their own that decode next to nothing. The poster seeks the
source to one moment. The sprite reads the lowest rendition just made, decoding keyframes
only (`-skip_frame nokey`): those sit exactly every keyframe interval, whatever the
source's own keyframes were, so tile i is the picture at i * interval and the cues can
be computed rather than measured.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

POSTER_SIZE = (1280, 720)
POSTER_AT = 0.10  # into the video: past titles and fades, still early enough to spoil nothing
TILE_SIZE = (160, 90)
MAX_TILES = 300  # one sheet: 10 x 30 tiles of 160x90 is 1600x2700 pixels
COLUMNS = 10


@dataclass(frozen=True)
class SpriteSheet:
    interval: int  # seconds of video each tile stands for: a whole number of keyframes
    keyframes_per_tile: int
    count: int
    columns: int
    rows: int
    tile_width: int = TILE_SIZE[0]
    tile_height: int = TILE_SIZE[1]


def plan_sprite(duration_seconds: float, keyframe_seconds: int) -> SpriteSheet:
    """A tile per keyframe, or per few keyframes for a long video, so one sheet holds all."""
    keyframes = max(1, math.ceil(duration_seconds / keyframe_seconds))
    per_tile = math.ceil(keyframes / MAX_TILES)
    count = math.ceil(keyframes / per_tile)
    columns = min(COLUMNS, count)
    return SpriteSheet(interval=per_tile * keyframe_seconds, keyframes_per_tile=per_tile,
                       count=count, columns=columns, rows=math.ceil(count / columns))


def _fit(width: int, height: int) -> str:
    # Scaled into the box whole and centred on black: letterboxed, pillarboxed, never cropped.
    return (f"scale={width}:{height}:force_original_aspect_ratio=decrease,"
            f"pad={width}:{height}:-1:-1:black,setsar=1")


def poster_command(ffmpeg: str, source: str, duration_seconds: float, output: Path) -> list[str]:
    """From `source` as ffmpeg's input names it ("file:/path" or a URL): seeking there
    reads one range of a remote source, not the whole of it."""
    return [
        ffmpeg, "-hide_banner", "-nostdin", "-y", "-v", "error",
        "-ss", f"{duration_seconds * POSTER_AT:.3f}", "-i", source,
        "-map", "0:v:0", "-frames:v", "1", "-vf", _fit(*POSTER_SIZE),
        "-q:v", "3", "-update", "1", str(output),
    ]


def sprite_command(ffmpeg: str, rendition_playlist: Path, sheet: SpriteSheet,
                   output: Path) -> list[str]:
    """From a rendition's media playlist; `n` counts the decoded frames, keyframes only."""
    pick = f"select='not(mod(n,{sheet.keyframes_per_tile}))'"
    return [
        ffmpeg, "-hide_banner", "-nostdin", "-y", "-v", "error",
        "-skip_frame", "nokey", "-i", str(rendition_playlist.absolute()), "-map", "0:v:0",
        "-vf", f"{pick},{_fit(sheet.tile_width, sheet.tile_height)},"
               f"tile={sheet.columns}x{sheet.rows}",
        "-fps_mode", "passthrough", "-frames:v", "1", "-q:v", "5", "-update", "1",
        str(output),
    ]


def render_vtt(sheet: SpriteSheet, duration_seconds: float, sprite_uri: str) -> str:
    """WebVTT cues, one per tile, each naming its tile as a media fragment of the sheet."""
    cues = ["WEBVTT", ""]
    for index in range(sheet.count):
        start = index * sheet.interval
        end = min(start + sheet.interval, duration_seconds)
        x = index % sheet.columns * sheet.tile_width
        y = index // sheet.columns * sheet.tile_height
        cues += [f"{_timestamp(start)} --> {_timestamp(end)}",
                 f"{sprite_uri}#xywh={x},{y},{sheet.tile_width},{sheet.tile_height}", ""]
    return "\n".join(cues)


def _timestamp(seconds: float) -> str:
    milliseconds = round(seconds * 1000)
    hours, rest = divmod(milliseconds, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"
