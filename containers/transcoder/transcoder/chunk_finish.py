"""The task of a chunked transcode that publishes it: started with the others, it
publishes the chunks as they finish (chunk_live.py: growing playlists, then the master
and `playable`), and once every task is in, joins the chunks into the ladder a one-pass
encode would have published and says it is ready.

It reads the tasks' manifests (chunk_manifest.py) rather than their segments, which are
already up under their final names; it checks that the chunks join (ChunksDoNotFit, not
retryable, when they do not) before it lists them anywhere, then uploads each final media
playlist, the poster, the trick-play sprite (from the lowest rendition, the one variant
it fetches) and, last, the measured master: nothing half-stitched is ever published as
ready.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from transcoder.audio_tracks import AudioPlan
from transcoder.binaries import find_media_tools
from transcoder.chunk_audio import chunk_audio_plans
from transcoder.chunk_live import ChunkedLivePublisher
from transcoder.chunk_manifest import (
    bitrates,
    manifest_key,
    media_playlist,
)
from transcoder.errors import TranscodeFailed
from transcoder.events import Event, playable_event, ready_event
from transcoder.ffmpeg_command import AUDIO_NAME, DEFAULT_SETTINGS, PLAYLIST_NAME
from transcoder.ffmpeg_process import Deadline, run_ffmpeg
from transcoder.hls import Bitrates, avc_codec, render_media_playlist
from transcoder.hls_output import is_audio_folder
from transcoder.ladder import RenditionLadder
from transcoder.probe import probe_source_tracks
from transcoder.progressive import Playable
from transcoder.publish import Publication
from transcoder.results import AudioTrack, Rendition, TranscodeResult
from transcoder.source import SourceInput
from transcoder.subtitle_extract import extract_subtitles, subtitle_renditions
from transcoder.subtitles_hls import SUBTITLE_PREFIX, VideoTiming, video_timing
from transcoder.thumbnails import plan_sprite, poster_command, render_vtt, sprite_command
from transcoder.transcode import (
    MASTER_PLAYLIST,
    SPRITE,
    THUMBNAIL,
    THUMBNAILS_VTT,
    ladder_master_playlist,
    rung_rendition,
)

if TYPE_CHECKING:
    from transcoder.chunk_job import TaskContext



def finish_chunks(task: TaskContext) -> Event:
    args, settings = task.args, DEFAULT_SETTINGS
    ladder: RenditionLadder = args.ladder
    deadline = Deadline(args.timeout)
    source_input = SourceInput.at_url(task.source_url, task.store.size(
        args.source_bucket, args.source_key), args.source_key)
    source, tracks = probe_source_tracks(source_input)
    live = ChunkedLivePublisher(
        # Its own publication, never taken back by this task: a retried finish writes
        # the same playlists, and the viewers of a playable version keep theirs (the
        # catalog takes the version out if the job fails).
        task.read, Publication(task.store, args.media_bucket, task.job.prefix),
        task.workspace / "live", ladder, chunk_count=args.chunk_count,
        source_seconds=args.source_seconds,
        on_playable=lambda playable: _announce(task, playable),
        audio=chunk_audio_plans(ladder, source, tracks, settings))
    live.follow(deadline)
    chunks, rungs = live.chunks, live.joined()
    # Every audio rendition the audio task made (issue 20), the default one `audio/`.
    sounds: dict[str, Any] = live.audio["variants"] if live.audio else {}
    audio = sounds.get(AUDIO_NAME)
    plans = tuple(AudioPlan(**s["plan"]) for s in sounds.values() if "plan" in s)
    output = task.workspace / "finish"
    output.mkdir()
    variants = {**{name: (chunks[0]["variants"][name]["init"], segments)
                   for name, segments in rungs.items()},
                **{name: (s["init"], s["segments"]) for name, s in sounds.items()}}
    playlists = []
    for name, (init, segments) in variants.items():
        playlist = output / name / PLAYLIST_NAME
        playlist.parent.mkdir()
        playlist.write_text(render_media_playlist(
            media_playlist(init, segments, settings.segment_seconds)))
        playlists.append((playlist, f"{name}/{PLAYLIST_NAME}"))
    renditions = _renditions(ladder, chunks[0], rungs, list(sounds.values()), output)
    duration = max(sum(s["duration"] for s in segments) for segments in rungs.values())
    _thumbnails(task, ladder.rungs[0].name, variants[ladder.rungs[0].name],
                duration=duration, output=output, deadline=deadline)
    # The source's text subtitles, cut on the lowest rung's segments (_thumbnails fetched
    # them), as a one-pass transcode cuts them.
    subtitles, notes = extract_subtitles(
        find_media_tools().ffmpeg, source_input, tracks.subtitles, output,
        timing=_lowest_timing(task, variants[ladder.rungs[0].name]), deadline=deadline)
    (output / MASTER_PLAYLIST).write_text(ladder_master_playlist(
        ladder, renditions, settings, plans, subtitle_renditions(subtitles)))
    subtitle_files = [(p, p.relative_to(output).as_posix()) for p in sorted(output.glob(
        f"{SUBTITLE_PREFIX}*/*"))]
    task.publication.upload_all([*playlists, *subtitle_files, *(
        (output / name, name) for name in (THUMBNAIL, SPRITE, THUMBNAILS_VTT))])
    task.publication.upload(output / MASTER_PLAYLIST, MASTER_PLAYLIST)
    total = sum(r.bytes for r in renditions) + sum(
        p.stat().st_size for p in output.rglob("*")
        if p.is_file() and not is_audio_folder(p.relative_to(output).parts[0]))
    result = TranscodeResult(
        source=source, duration=round(duration, 3), renditions=renditions,
        audio=audio is not None,
        audio_playlist=f"{AUDIO_NAME}/{PLAYLIST_NAME}" if audio else None,
        master_playlist=MASTER_PLAYLIST, thumbnail=THUMBNAIL, sprite=SPRITE,
        vtt=THUMBNAILS_VTT, total_bytes=total,
        audio_tracks=tuple(AudioTrack(p.name, p.language, p.label, p.channels, p.default,
                                      f"{p.name}/{PLAYLIST_NAME}") for p in plans),
        subtitles=subtitles, notes=notes)
    # The manifests have served; left behind they would only cost storage.
    task.store.delete(args.media_bucket, [task.job.prefix + manifest_key(m["task"])
                                          for m in [*chunks, *([{"task": AUDIO_NAME}]
                                                               if audio else [])]])
    return ready_event(task.job, result)


def _renditions(ladder: RenditionLadder, first: dict[str, Any],
                rungs: dict[str, list[dict[str, Any]]], audio: list[dict[str, Any]],
                output: Path) -> tuple[Rendition, ...]:
    """As transcode.py describes a one-pass folder's, from the manifests' figures: a
    variant's rates count the heaviest audio rendition it may be played with."""
    rates = [bitrates(sound["segments"]) for sound in audio]
    audio_rate = Bitrates(max(r.peak for r in rates), max(r.average for r in rates)) \
        if rates else None
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


def _lowest_timing(task: TaskContext,
                   variant: tuple[str, list[dict[str, Any]]]) -> VideoTiming:
    init, segments = variant
    local = task.workspace / "lowest"
    playlist = media_playlist(init, segments, DEFAULT_SETTINGS.segment_seconds)
    try:
        return video_timing(playlist, (local / init).read_bytes(),
                            (local / segments[0]["name"]).read_bytes())
    except (OSError, ValueError) as error:
        raise TranscodeFailed(f"the lowest rendition's first segment is unusable: {error}") \
            from error


def _announce(task: TaskContext, playable: Playable) -> None:
    task.tell(playable_event(
        task.job, master_playlist=playable.master_playlist, renditions=playable.renditions,
        audio=playable.audio, duration=playable.duration, thumbnail=None,
        at=datetime.now(UTC)))


def _fetch(task: TaskContext, relative: str) -> bytes:
    body = task.read(relative)
    if body is None:
        raise TranscodeFailed(f"{relative} is missing from {task.job.prefix}")
    return body
