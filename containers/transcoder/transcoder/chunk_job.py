"""The transcoder's side of a chunked transcode on a fleet of tasks (the catalog's side:
chalicelib/transcode/chunk_jobs.py).

- `run` with `--chunk-threshold`/`--chunks`: `plan_instead_of_encoding` probes, and for a
  long source sends the `planned` event and ends the task without encoding.
- `chunk`: one chunk's picture through the ladder (chunk_encode.py), read through a
  presigned URL, its segments uploaded under their final names and a manifest of them
  beside (chunk_manifest.py); then `task_done`.
- `chunk-audio`: the whole source's sound, once; the same way, but its segments and its
  growing playlist go up as they are written: the master waits for the audio's first.
- `chunk-finish`: started with the others; publishes the chunks as they finish, then
  joins them (chunk_finish.py, chunk_live.py).

Each task sends `progress` as it goes and ends with one closing event (`task_done`, or
`ready` for the finish, or `failed` with the reason and whether a retry may help), with
what it uploaded taken back on a failure; exit statuses as `run`'s.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import shutil
import signal
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

from transcoder.audio_tracks import AudioPlan
from transcoder.chunk_audio import chunk_audio_plans
from transcoder.chunk_cli import chunk_from_json, ladder_from_json, ladder_to_json
from transcoder.chunk_command import one_pass_grid
from transcoder.chunk_encode import encode_audio, encode_video_chunk, measure_muxer_shift
from transcoder.chunk_manifest import describe_variant, manifest_key, task_manifest
from transcoder.chunks import DEFAULT_POLICY, ChunkingPolicy, plan_chunks
from transcoder.errors import (
    EventNotSent,
    JobInterrupted,
    TranscodeFailed,
    TranscoderError,
)
from transcoder.events import (
    Event,
    EventSink,
    JobIdentity,
    LoggedEventSink,
    SqsEventSink,
    failed_event,
    planned_event,
    progress_event,
    task_done_event,
)
from transcoder.ffmpeg_command import AUDIO_NAME, DEFAULT_SETTINGS, PLAYLIST_NAME
from transcoder.hls import parse_media_playlist
from transcoder.ladder import plan_ladder
from transcoder.probe import probe_source, probe_source_tracks
from transcoder.progressive import LivePublisher
from transcoder.publish import Publication
from transcoder.source import SourceInput
from transcoder.storage import ObjectStore, S3ObjectStore
from transcoder.workspace import make_workspace, sweep_abandoned

logger = logging.getLogger(__name__)

URL_MARGIN_SECONDS = 600
PROGRESS_STEP = 5.0  # percent: N tasks speak at once, so each says a little less often
EXIT_RETRYABLE, EXIT_SOURCE_FAULT = 1, 2
LATER_CHUNK_NICENESS = 10
READ_URL_SECONDS, READ_TIMEOUT_SECONDS = 600, 60


@dataclass(frozen=True)
class TaskContext:
    """What every task of the job has: who it is, where the source is, where to publish."""

    job: JobIdentity
    args: argparse.Namespace
    store: ObjectStore
    events: EventSink
    publication: Publication
    source_url: str
    workspace: Path

    def report(self, percent: float) -> None:
        self.tell(progress_event(self.job, percent, datetime.now(UTC)))

    def tell(self, event: Event) -> None:
        """Progress and `playable` are courtesies: a lost one must not stop the work."""
        _courtesy(self.events, event)

    def read(self, relative: str) -> bytes | None:
        """An object under the version's prefix, None when it is not (yet) there (the
        object store uploads; reading goes through a presigned GET, as ffmpeg's does)."""
        url = self.store.presigned_get(self.args.media_bucket, self.job.prefix + relative,
                                       READ_URL_SECONDS)
        try:
            with urllib.request.urlopen(url, timeout=READ_TIMEOUT_SECONDS) as response:
                body: bytes = response.read()
        except urllib.error.HTTPError as error:
            if error.code in (403, 404):  # 403: S3's answer to a reader who may not list
                return None
            raise TranscodeFailed(f"cannot read {relative}: {error}") from error
        except OSError as error:
            raise TranscodeFailed(f"cannot read {relative}: {error}") from error
        return body


def add_run_options(run: argparse.ArgumentParser) -> None:
    """`run`'s options that make a long source a chunked transcode."""
    run.add_argument("--chunk-threshold", type=float, default=None, metavar="SECONDS",
                     help="plan chunk tasks instead of encoding when the source is longer")
    run.add_argument("--chunks", type=int, default=None, metavar="N",
                     help="plan N chunk tasks whatever the source's length")


def plan_instead_of_encoding(args: argparse.Namespace) -> int | None:
    """For `run`: 0 once the `planned` event for a long source is sent (the catalog starts
    the chunk tasks), None when the task should encode in one pass itself (a short source,
    no chunking asked, or a source the probe cannot read: `run` then reports that)."""
    if args.chunk_threshold is None and args.chunks is None:
        return None
    store = S3ObjectStore()
    try:
        url = _source_url(store, args)
        info = probe_source(SourceInput.at_url(url, store.size(args.source_bucket,
                                                               args.source_key),
                                               args.source_key))
        ladder = plan_ladder(info)
        policy = ChunkingPolicy(threshold_seconds=args.chunk_threshold) \
            if args.chunk_threshold is not None else DEFAULT_POLICY
        plan = plan_chunks(info.duration_seconds, ladder.frame_rate,
                           grid=one_pass_grid(DEFAULT_SETTINGS),
                           keyframe_seconds=DEFAULT_SETTINGS.keyframe_seconds,
                           policy=policy, chunk_count=args.chunks)
        if not plan.chunked:
            return None
        shift = measure_muxer_shift(ladder.frame_rate)
    except (TranscoderError, ValueError) as error:
        logger.warning("not chunked: %s", error)
        return None
    job = JobIdentity(args.job_id, args.movie_id, args.version)
    event = planned_event(job, chunks=plan.chunks, ladder=json.loads(ladder_to_json(ladder)),
                          shift=shift, duration=info.duration_seconds, audio=ladder.audio)
    _send(_events(args), event)
    return 0


def add_commands(commands: Any) -> None:
    """Register the fleet tasks on `python -m transcoder`'s sub-parsers."""
    from transcoder.chunk_finish import finish_chunks

    chunk = commands.add_parser("chunk", help="encode one chunk of a chunked transcode")
    chunk.add_argument("--chunk", required=True, type=chunk_from_json, help="chunk JSON")
    chunk.add_argument("--threads", type=int, default=0, help="thread budget (0: ffmpeg's)")
    audio = commands.add_parser("chunk-audio", help="encode a chunked transcode's audio")
    finish = commands.add_parser("chunk-finish", help="join a chunked transcode's chunks, "
                                                      "write its playlists and thumbnails")
    finish.add_argument("--chunk-count", required=True, type=int)
    for parser, work in ((chunk, encode_chunk), (audio, encode_whole_audio),
                         (finish, finish_chunks)):
        _task_arguments(parser)
        parser.set_defaults(command=lambda args, work=work: run_task(args, work))


def _task_arguments(parser: argparse.ArgumentParser) -> None:
    for name in ("--source-bucket", "--source-key", "--movie-id", "--version",
                 "--media-bucket", "--events-queue-url", "--job-id"):
        parser.add_argument(name, required=True)
    parser.add_argument("--ladder", required=True, type=ladder_from_json, help="ladder JSON")
    parser.add_argument("--source-seconds", required=True, type=float)
    parser.add_argument("--shift", required=True, type=float,
                        help="the one-pass muxer's shift in seconds")
    parser.add_argument("--timeout", type=float, default=3600.0)
    parser.add_argument("--work-dir", type=Path, default=None)
    # The local runner passes the dev stack's read rate to every task: the chunks and the
    # audio read at it (a test or a demo can then watch a chunked encode under way).
    parser.add_argument("--read-rate", type=float, default=None, help=argparse.SUPPRESS)


def run_task(args: argparse.Namespace, work: Callable[[TaskContext], Event]) -> int:
    """Run one task's `work` and send its closing event (EventNotSent if it cannot)."""
    # A stopped task gets SIGTERM: as an exception, it kills ffmpeg on its way out.
    signal.signal(signal.SIGTERM, _interrupt)
    job = JobIdentity(args.job_id, args.movie_id, args.version)
    store, events = S3ObjectStore(), _events(args)
    publication = Publication(store, args.media_bucket, job.prefix)
    sweep_abandoned(args.work_dir)
    workspace = make_workspace(args.work_dir)
    try:
        event = work(TaskContext(job, args, store, events, publication,
                                 _source_url(store, args), workspace))
    except BaseException as error:
        publication.take_back()
        if not isinstance(error, Exception):
            raise
        if not isinstance(error, TranscoderError):
            logger.exception("task %s broke", job.job_id)
            error = TranscodeFailed(f"unexpected error: {error!r}")
        event = failed_event(job, error)
    finally:
        shutil.rmtree(workspace, ignore_errors=True)
    _send(events, event)
    if event["type"] != "failed":
        return 0
    return EXIT_RETRYABLE if event["retryable"] else EXIT_SOURCE_FAULT


def encode_chunk(task: TaskContext) -> Event:
    args, output = task.args, task.workspace / "chunk"
    if args.chunk.index > 0:
        # Chunk 0 makes the movie playable: where tasks share cores (the local stack) the
        # later ones give way to it (ffmpeg inherits this); alone on its own vCPUs (a
        # fleet task) a process's niceness changes nothing.
        os.nice(LATER_CHUNK_NICENESS)
    encode_video_chunk(task.source_url, args.ladder, args.chunk, output,
                       source_seconds=args.source_seconds, shift_seconds=args.shift,
                       on_progress=_stepped(task.report), timeout_seconds=args.timeout,
                       threads=args.threads, read_rate=args.read_rate)
    variants = {rung.name: describe_variant(output / rung.name, args.chunk.first_segment)
                for rung in args.ladder.rungs}
    # Only the first chunk's init segment is the one the joined playlists name.
    _publish(task, output, variants, with_init=args.chunk.index == 0,
             name=f"c{args.chunk.index}", chunk=vars(args.chunk))
    return task_done_event(task.job)


def encode_whole_audio(task: TaskContext) -> Event:
    args, output = task.args, task.workspace / "audio"
    # The movie plays once chunk 0 and the audio's first segments are up: a whole film's
    # sound takes a while, so its segments go up as they come, each time followed by
    # its growing playlist (chunk_finish.py writes the final one).
    # Its own publication, never taken back by this task: a retry writes the same bytes
    # under the same names, and viewers already listening keep what they have (the
    # catalog takes the version out if the job fails).
    live = LivePublisher(Publication(task.store, args.media_bucket, task.job.prefix),
                         task.workspace / "live", on_playable=None)
    # Every audio rendition (issue 20: one per source stream, a 5.1 one too), each in
    # the manifest with what the master says of it (chunk_finish.py reads it back).
    plans = _audio_plans(task)
    names = [plan.name for plan in plans]
    live.watch(output, names, DEFAULT_SETTINGS.segment_seconds,
               listed={name: _listed_already(task, name) for name in names})
    report = _stepped(task.report)

    def progress(percent: float) -> None:
        live.check()  # a failed upload ends the encode here, rather than at its end
        report(percent)

    try:
        encode_audio(task.source_url, args.ladder, output, source_seconds=args.source_seconds,
                     shift_seconds=args.shift, on_progress=progress,
                     timeout_seconds=args.timeout, read_rate=args.read_rate, audio=plans)
        published = live.finish()
    except BaseException:
        live.stop()
        raise
    variants = {plan.name: {**describe_variant(output / plan.name, 0),
                            "plan": dataclasses.asdict(plan)} for plan in plans}
    _publish(task, output, variants, with_init=True, name=AUDIO_NAME, chunk=None,
             published=published)
    return task_done_event(task.job)


def _listed_already(task: TaskContext, variant: str) -> int:
    """Segments the variant's published playlist lists (a retried task's predecessor's)."""
    body = task.read(f"{variant}/{PLAYLIST_NAME}")
    try:
        return len(parse_media_playlist(body.decode()).segments) if body else 0
    except ValueError:
        return 0


def _audio_plans(task: TaskContext) -> tuple[AudioPlan, ...]:
    args = task.args
    info, tracks = probe_source_tracks(SourceInput.at_url(
        task.source_url, task.store.size(args.source_bucket, args.source_key),
        args.source_key))
    return chunk_audio_plans(args.ladder, info, tracks)


def _publish(task: TaskContext, output: Path, variants: dict[str, Any], *, with_init: bool,
             name: str, chunk: dict[str, Any] | None,
             published: frozenset[Path] = frozenset()) -> None:
    """The segments under their final names (but those `published` already), then the
    manifest that lists them."""
    files = [(output / variant / segment["name"], f"{variant}/{segment['name']}")
             for variant, described in variants.items()
             for segment in described["segments"]]
    if with_init:
        files += [(output / variant / described["init"], f"{variant}/{described['init']}")
                  for variant, described in variants.items()]
    files = [(path, key) for path, key in files if path not in published]
    manifest = output / "manifest.json"
    manifest.write_text(json.dumps(task_manifest(name, chunk, variants)))
    try:
        task.publication.upload_all(files)
        task.publication.upload(manifest, manifest_key(name))
    except TranscoderError:
        raise
    except Exception as error:
        raise TranscodeFailed(f"uploading {name}'s segments failed: {error}") from error


def _stepped(report: Callable[[float], None]) -> Callable[[float], None]:
    said = [-PROGRESS_STEP]

    def step(percent: float) -> None:
        if percent - said[0] >= PROGRESS_STEP:
            said[0] = percent
            report(percent)

    return step


def _source_url(store: ObjectStore, args: argparse.Namespace) -> str:
    return store.presigned_get(args.source_bucket, args.source_key,
                               round(args.timeout) + URL_MARGIN_SECONDS)


def _events(args: argparse.Namespace) -> EventSink:
    return LoggedEventSink(SqsEventSink(args.events_queue_url))


def _send(events: EventSink, event: Event) -> None:
    try:
        events.send(event)
    except Exception as error:
        raise EventNotSent(f"could not send the {event['type']} event: {error}") from error


def _courtesy(events: EventSink, event: Event) -> None:
    """Progress is a courtesy: a lost one must not stop the encode."""
    try:
        events.send(event)
    except Exception:
        logger.warning("could not send a progress event", exc_info=True)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise JobInterrupted(f"stopped by {signal.Signals(signum).name}")
