"""The last task of a chunked transcode: join the chunks into the ladder a one-pass encode
would have published, and say it is ready.

It reads the tasks' manifests (chunk_manifest.py) rather than their segments, which are
already up under their final names; it checks that the chunks join (ChunksDoNotFit, not
retryable, when they do not) before it writes anything, then uploads each media
playlist, the poster, the trick-play sprite (from the lowest rendition, the one variant
it fetches) and, last, the master: nothing half-stitched is ever published.
"""

from __future__ import annotations

import base64
import json
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any

from transcoder.binaries import find_media_tools
from transcoder.chunk_manifest import (
    MANIFESTS,
    bitrates,
    joined_segments,
    manifest_key,
    media_playlist,
    require_aligned,
)
from transcoder.errors import TranscodeFailed
from transcoder.events import Event, ready_event
from transcoder.ffmpeg_command import AUDIO_NAME, DEFAULT_SETTINGS, PLAYLIST_NAME
from transcoder.ffmpeg_process import Deadline, run_ffmpeg
from transcoder.hls import avc_codec, render_media_playlist
from transcoder.ladder import RenditionLadder
from transcoder.probe import probe_source
from transcoder.results import Rendition, TranscodeResult
from transcoder.source import SourceInput
from transcoder.thumbnails import plan_sprite, poster_command, render_vtt, sprite_command
from transcoder.transcode import (
    MASTER_PLAYLIST,
    SPRITE,
    THUMBNAIL,
    THUMBNAILS_VTT,
    rung_rendition,
)

if TYPE_CHECKING:
    from transcoder.chunk_job import TaskContext

FETCH_TIMEOUT_SECONDS = 60
URL_SECONDS = 600


def finish_chunks(task: TaskContext) -> Event:
    args, settings = task.args, DEFAULT_SETTINGS
    ladder: RenditionLadder = args.ladder
    deadline = Deadline(args.timeout)
    chunks = [_manifest(task, f"c{index}") for index in range(args.chunk_count)]
    rungs = {rung.name: joined_segments(chunks, rung.name, args.source_seconds,
                                        1 / ladder.frame_rate) for rung in ladder.rungs}
    require_aligned(rungs)
    audio = _manifest(task, AUDIO_NAME)["variants"][AUDIO_NAME] if ladder.audio else None
    output = task.workspace / "finish"
    output.mkdir()
    variants = {**{name: (chunks[0]["variants"][name]["init"], segments)
                   for name, segments in rungs.items()},
                **({AUDIO_NAME: (audio["init"], audio["segments"])} if audio else {})}
    playlists = []
    for name, (init, segments) in variants.items():
        playlist = output / name / PLAYLIST_NAME
        playlist.parent.mkdir()
        playlist.write_text(render_media_playlist(
            media_playlist(init, segments, settings.segment_seconds)))
        playlists.append((playlist, f"{name}/{PLAYLIST_NAME}"))
    renditions = _renditions(ladder, chunks[0], rungs, audio, output)
    duration = max(sum(s["duration"] for s in segments) for segments in rungs.values())
    _thumbnails(task, ladder.rungs[0].name, variants[ladder.rungs[0].name],
                duration=duration, output=output, deadline=deadline)
    from transcoder.transcode import ladder_master_playlist

    (output / MASTER_PLAYLIST).write_text(ladder_master_playlist(ladder, renditions, settings))
    task.publication.upload_all([*playlists, *((output / name, name)
                                               for name in (THUMBNAIL, SPRITE, THUMBNAILS_VTT))])
    task.publication.upload(output / MASTER_PLAYLIST, MASTER_PLAYLIST)
    source = probe_source(SourceInput.at_url(task.source_url, task.store.size(
        args.source_bucket, args.source_key), args.source_key))
    total = sum(r.bytes for r in renditions) + sum(
        p.stat().st_size for p in output.rglob("*") if p.is_file() and AUDIO_NAME not in p.parts)
    result = TranscodeResult(
        source=source, duration=round(duration, 3), renditions=renditions,
        audio=audio is not None,
        audio_playlist=f"{AUDIO_NAME}/{PLAYLIST_NAME}" if audio else None,
        master_playlist=MASTER_PLAYLIST, thumbnail=THUMBNAIL, sprite=SPRITE,
        vtt=THUMBNAILS_VTT, total_bytes=total)
    # The manifests have served; left behind they would only cost storage.
    task.store.delete(args.media_bucket, [task.job.prefix + manifest_key(m["task"])
                                          for m in [*chunks, *([{"task": AUDIO_NAME}]
                                                               if audio else [])]])
    return ready_event(task.job, result)


def _renditions(ladder: RenditionLadder, first: dict[str, Any],
                rungs: dict[str, list[dict[str, Any]]], audio: dict[str, Any] | None,
                output: Path) -> tuple[Rendition, ...]:
    """As transcode.py describes a one-pass folder's, from the manifests' figures."""
    audio_rate = bitrates(audio["segments"]) if audio else None
    found = []
    for rung in ladder.rungs:
        segments = rungs[rung.name]
        init = base64.b64decode(first["variants"][rung.name]["init_bytes"])
        own = sum(s["bytes"] for s in segments) + len(init)
        found.append(rung_rendition(
            rung, bitrates(segments), audio_rate, codecs=avc_codec(init),
            bytes_=own + (output / rung.name / PLAYLIST_NAME).stat().st_size,
            segments=len(segments)))
    return tuple(found)


def _thumbnails(task: TaskContext, lowest: str, variant: tuple[str, list[dict[str, Any]]],
                *, duration: float, output: Path, deadline: Deadline) -> None:
    """The poster from the source (one seek), the sprite from the lowest rendition."""
    ffmpeg = find_media_tools().ffmpeg
    run_ffmpeg(poster_command(ffmpeg, task.source_url, task.args.source_seconds,
                              output / THUMBNAIL), deadline)
    local = task.workspace / "lowest"
    local.mkdir()
    init, segments = variant
    for name in (init, *(s["name"] for s in segments)):
        (local / name).write_bytes(_fetch(task, f"{lowest}/{name}"))
    (local / PLAYLIST_NAME).write_text((output / lowest / PLAYLIST_NAME).read_text())
    sheet = plan_sprite(duration, DEFAULT_SETTINGS.keyframe_seconds)
    run_ffmpeg(sprite_command(ffmpeg, local / PLAYLIST_NAME, sheet, output / SPRITE), deadline)
    (output / THUMBNAILS_VTT).write_text(render_vtt(sheet, duration, SPRITE))


def _manifest(task: TaskContext, name: str) -> dict[str, Any]:
    try:
        manifest: dict[str, Any] = json.loads(_fetch(task, manifest_key(name)))
    except ValueError as error:
        raise TranscodeFailed(f"the {name} manifest is unreadable: {error}") from error
    return manifest


def _fetch(task: TaskContext, relative: str) -> bytes:
    """An object under the version's prefix (the object store uploads; reading goes
    through a presigned GET, as ffmpeg's does)."""
    url = task.store.presigned_get(task.args.media_bucket, task.job.prefix + relative,
                                   URL_SECONDS)
    try:
        with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT_SECONDS) as response:
            body: bytes = response.read()
    except OSError as error:
        raise TranscodeFailed(f"cannot read {relative} of {MANIFESTS}: {error}") from error
    return body
