"""The command line: `python -m transcoder probe PATH`, `python -m transcoder run ...` and
`python -m transcoder sweep` (what a killed transcoder left in the work folder)."""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import re
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType

from transcoder import acquire, chunk_job, envvars, subtitle_cli
from transcoder.errors import EventNotSent, JobInterrupted, NotAVideo, TranscoderError
from transcoder.events import JobIdentity, LoggedEventSink, SqsEventSink
from transcoder.job import JobRequest, run_job
from transcoder.logs import JsonLineFormatter
from transcoder.probe import probe_source
from transcoder.storage import S3ObjectStore
from transcoder.workspace import sweep_abandoned

# 2 tells the job's caller the upload itself is bad (no video, cut short or corrupt: mark
# it failed, do not retry);
# 1 is any other failure, which a retry may cure. Both were reported on the events queue;
# 3 says the closing event could not be sent, so whoever started the job must report it.
EXIT_NOT_A_VIDEO = 2
EXIT_FAILURE = 1
EXIT_UNREPORTED = 3
DEFAULT_TIMEOUT_SECONDS = 3600.0
# Movie ids and versions become parts of S3 keys: no slashes, no "..", nothing odd.
_KEY_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")

Command = Callable[[argparse.Namespace], int]


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command: Command = args.command
    try:
        return command(args)
    except TranscoderError as error:
        _print_error(error.code, error.reason)
        return exit_status(error)


def exit_status(error: TranscoderError) -> int:
    if isinstance(error, EventNotSent):
        return EXIT_UNREPORTED
    return EXIT_NOT_A_VIDEO if isinstance(error, NotAVideo) else EXIT_FAILURE


def configure_logging() -> None:
    """For a process of its own only: stderr carries the logs (one JSON object a line, as
    the task's log group and its metric filters read them) beside the error JSON."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLineFormatter())
    logging.basicConfig(level=os.environ.get(envvars.LOG_LEVEL, "WARNING"), handlers=[handler])


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m transcoder",
                                     description="Reelstack's video transcoder.")
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")
    probe = commands.add_parser("probe", help="describe a source video as JSON")
    probe.add_argument("path", type=Path, help="the source file")
    probe.set_defaults(command=run_probe)
    run = commands.add_parser(
        "run", help="transcode an S3 object to HLS in the media bucket, reporting to SQS",
        description="Exit status: 0 ready, 1 failed (a retry may help), 2 the source is "
                    "bad (not a video, truncated or corrupt).",
    )
    for name, meaning in [
        ("--source-bucket", "bucket of the uploaded source"),
        ("--source-key", "key of the uploaded source"),
        ("--media-bucket", "bucket the renditions are published to"),
        ("--events-queue-url", "SQS queue for progress, ready and failed events"),
        ("--job-id", "echoed in every event"),
    ]:
        run.add_argument(name, required=True, help=meaning)
    run.add_argument("--movie-id", required=True, type=_key_part,
                     help="the movie this version belongs to")
    run.add_argument("--version", required=True, type=_key_part,
                     help="the version; files go to videos/MOVIE/VERSION/")
    run.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_SECONDS,
                     help="seconds the transcode may take (default %(default)g)")
    run.add_argument("--work-dir", type=Path, default=None,
                     help="where the temporary work folder goes (default: the system's)")
    run.add_argument("--read-rate", type=_read_rate, default=None, metavar="R",
                     help="read the source at R times real time (ffmpeg's -readrate), so "
                          "that the encode runs no faster; default: as fast as it can")
    chunk_job.add_run_options(run)
    run.set_defaults(command=run_transcode_job)
    sweep = commands.add_parser(
        "sweep", help="remove the work folders of transcoders that no longer run")
    sweep.add_argument("--work-dir", type=Path, default=None,
                       help="where the work folders are (default: the system's)")
    sweep.set_defaults(command=run_sweep)
    chunk_job.add_commands(commands)
    acquire.add_command(commands)
    subtitle_cli.add_commands(commands, _key_part)
    return parser


def run_probe(args: argparse.Namespace) -> int:
    info = probe_source(args.path)
    print(json.dumps(dataclasses.asdict(info), indent=2))
    return 0


def run_sweep(args: argparse.Namespace) -> int:
    for folder in sweep_abandoned(args.work_dir):
        print(folder)
    return 0


def run_transcode_job(args: argparse.Namespace) -> int:
    # A stopping task gets SIGTERM, then SIGKILL: turning it into an exception lets the
    # job kill ffmpeg, take back a partial upload, report and clean up in between.
    signal.signal(signal.SIGTERM, _interrupt)
    planned = chunk_job.plan_instead_of_encoding(args)
    if planned is not None:  # a long source: the catalog starts a task per chunk
        return planned
    request = JobRequest(
        job=JobIdentity(job_id=args.job_id, movie_id=args.movie_id, version=args.version),
        source_bucket=args.source_bucket, source_key=args.source_key,
        media_bucket=args.media_bucket, timeout_seconds=args.timeout, work_dir=args.work_dir,
        read_rate=args.read_rate,
    )
    event = run_job(request, store=S3ObjectStore(),
                    events=LoggedEventSink(SqsEventSink(args.events_queue_url)))
    if event["type"] == "ready":
        print(json.dumps(event))
        return 0
    _print_error(event["code"], event["reason"])
    return EXIT_FAILURE if event["retryable"] else EXIT_NOT_A_VIDEO


def _key_part(value: str) -> str:
    if not _KEY_PART.match(value) or ".." in value:
        raise argparse.ArgumentTypeError(f"{value!r} cannot be part of an S3 key")
    return value


def _read_rate(value: str) -> float:
    try:
        rate = float(value)
    except ValueError:
        rate = 0.0
    if not 0 < rate < float("inf"):
        raise argparse.ArgumentTypeError(f"{value!r} is not a positive number")
    return rate


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise JobInterrupted(f"stopped by {signal.Signals(signum).name}")


def _print_error(code: str, reason: str) -> None:
    print(json.dumps({"error": code, "reason": reason}), file=sys.stderr)
