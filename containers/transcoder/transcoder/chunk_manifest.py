"""What a chunk task leaves beside its segments, and the checks that its pieces join.

A task of a chunked transcode uploads its segments under their final names and a small
manifest (`chunks/<task>.json` under the version's prefix): per variant, its init
segment (the bytes too: a few hundred, and only the first chunk's is uploaded) and each
segment's name, decode time, duration and size. The finish task then joins the ladder
from the manifests alone, without fetching a segment: the checks are stitch.py's (every
chunk holds the segments the plan gave it, starts where the chunk before ended, lasts
what the plan gave it, has an init segment interchangeable with the first), and the
playlists and bit rates are what hls_output and transcode.py make of a one-pass folder.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from transcoder import hls
from transcoder.chunks import Chunk
from transcoder.ffmpeg_command import INIT_NAME, SEGMENT_PATTERN
from transcoder.fmp4 import fragment_timing, track_timing
from transcoder.hls import Bitrates, MediaPlaylist, MediaSegment
from transcoder.hls_output import ALIGNMENT_TOLERANCE_SECONDS
from transcoder.stitch import TIME_TOLERANCE_SECONDS, ChunksDoNotFit, init_difference

MANIFESTS = "chunks/"

Manifest = dict[str, Any]


def manifest_key(task: str) -> str:
    """Relative to the version's prefix."""
    return f"{MANIFESTS}{task}.json"


def task_manifest(task: str, chunk: dict[str, Any] | None,
                  variants: dict[str, Any]) -> Manifest:
    return {"task": task, "chunk": chunk, "variants": variants}


def describe_variant(folder: Path, first_segment: int) -> dict[str, Any]:
    """A variant's folder as a task wrote it: its init segment and its segments from
    number `first_segment` on, timed by their own fragments; ChunksDoNotFit when unreadable."""
    stem, _, suffix = INIT_NAME.rpartition(".")
    inits = sorted(folder.glob(f"{stem}*.{suffix}"))
    if len(inits) != 1:
        raise ChunksDoNotFit(f"{folder.name}: {len(inits)} init segments where one was due")
    try:
        init = inits[0].read_bytes()
        track, segments, number = track_timing(init), [], first_segment
        while (path := folder / (SEGMENT_PATTERN % number)).exists():
            body = path.read_bytes()
            timing = fragment_timing(body, track)
            segments.append({"name": path.name, "start": timing.start,
                             "duration": timing.duration, "bytes": len(body)})
            number += 1
    except (OSError, ValueError) as error:
        raise ChunksDoNotFit(f"{folder.name}: unreadable output: {error}") from error
    return {"init": inits[0].name, "init_bytes": base64.b64encode(init).decode(),
            "segments": segments}


def joined_segments(chunks: list[Manifest], variant: str, source_seconds: float,
                    frame_seconds: float) -> list[dict[str, Any]]:
    """`variant`'s segments over every chunk (in order), checked to join as one encode."""
    first_init = _init(chunks[0], variant)
    joined: list[dict[str, Any]] = []
    ends_at = 0.0
    for manifest in chunks:
        chunk = Chunk(**manifest["chunk"])
        name = f"{chunk.label}, {variant}"
        difference = init_difference(first_init, _init(manifest, variant))
        if difference:
            raise ChunksDoNotFit(f"{name}: its init segment differs from the first "
                                 f"chunk's in {difference}")
        segments = manifest["variants"][variant]["segments"]
        last = chunk.end_seconds is None
        counts = (chunk.segments, chunk.segments + 1) if last else (chunk.segments,)
        if len(segments) not in counts:
            raise ChunksDoNotFit(f"{name}: {len(segments)} segments where the plan has "
                                 f"{chunk.segments}{' or one more' if last else ''}")
        if abs(segments[0]["start"] - ends_at) > TIME_TOLERANCE_SECONDS:
            raise ChunksDoNotFit(f"{name}: starts at {segments[0]['start']:.6f} s where the "
                                 f"chunk before ends at {ends_at:.6f} s")
        lasts = sum(s["duration"] for s in segments)
        # The last chunk ends where the source does, which its container may only
        # estimate; its task has checked that it decoded that far.
        if not last and abs(lasts - chunk.seconds(source_seconds)) \
                > frame_seconds + TIME_TOLERANCE_SECONDS:
            raise ChunksDoNotFit(f"{name}: lasts {lasts:.3f} s where the plan has "
                                 f"{chunk.seconds(source_seconds):.3f} s")
        ends_at = segments[-1]["start"] + segments[-1]["duration"]
        joined += segments
    return joined


def require_aligned(rungs: dict[str, list[dict[str, Any]]]) -> None:
    """Players switch rungs at segment boundaries: the same on every rung."""
    first, *others = [[s["start"] for s in segments] for segments in rungs.values()]
    for starts in others:
        if len(starts) != len(first) or any(abs(a - b) > ALIGNMENT_TOLERANCE_SECONDS
                                             for a, b in zip(starts, first, strict=True)):
            raise ChunksDoNotFit("the renditions' segments do not start at the same times")


def media_playlist(init: str, segments: list[dict[str, Any]],
                   segment_seconds: int) -> MediaPlaylist:
    from transcoder.hls import target_duration

    listed = tuple(MediaSegment(s["name"], s["duration"]) for s in segments)
    return MediaPlaylist(target_duration(segment_seconds, listed), init, listed, True)


def bitrates(segments: list[dict[str, Any]]) -> Bitrates:
    """hls.measure_bitrates, from the sizes a manifest lists rather than files on disk."""
    return hls.bitrates([(int(s["bytes"]), float(s["duration"])) for s in segments])


def _init(manifest: Manifest, variant: str) -> bytes:
    return base64.b64decode(manifest["variants"][variant]["init_bytes"])
