"""`python -m transcoder subtitles add|remove ...`: a subtitle track on a published
version, no re-encoding (docs/subtitles.md). Exit status: 0 done, 2 the file is refused
(or the version is missing), 1 a retry may help, 3 the event could not be sent."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from transcoder.errors import EventNotSent
from transcoder.events import JobIdentity, LoggedEventSink, SqsEventSink
from transcoder.subtitle_task import MediaBucket, SubtitleRequest, run_subtitle_task
from transcoder.subtitles_hls import KINDS

EXIT_REFUSED, EXIT_FAILURE = 2, 1


def add_commands(commands: Any, key_part: Any) -> None:
    """Register `subtitles` on cli.py's sub-parsers; `key_part` checks S3 key parts."""
    subtitles = commands.add_parser("subtitles", help="add or remove a subtitle track")
    actions = subtitles.add_subparsers(title="actions", required=True, dest="action")
    for action in ("add", "remove"):
        parser = actions.add_parser(action, help=f"{action} a subtitle track")
        parser.add_argument("--movie-id", required=True, type=key_part)
        parser.add_argument("--version", required=True, type=key_part)
        parser.add_argument("--language", required=True, type=key_part,
                            help="the track's language, and its id")
        for name in ("--media-bucket", "--events-queue-url", "--job-id"):
            parser.add_argument(name, required=True)
        if action == "add":
            for name in ("--source-bucket", "--source-key", "--label"):
                parser.add_argument(name, required=True)
            parser.add_argument("--kind", choices=KINDS, default="subtitles")
        parser.set_defaults(command=run_subtitle_command)


def run_subtitle_command(args: argparse.Namespace) -> int:
    request = SubtitleRequest(
        job=JobIdentity(job_id=args.job_id, movie_id=args.movie_id, version=args.version),
        media_bucket=args.media_bucket, language=args.language,
        label=getattr(args, "label", ""), kind=getattr(args, "kind", "subtitles"),
        source_bucket=getattr(args, "source_bucket", ""),
        source_key=getattr(args, "source_key", ""))
    try:
        event = run_subtitle_task(request, args.action, bucket=MediaBucket(),
                                  events=LoggedEventSink(SqsEventSink(args.events_queue_url)))
    except Exception as error:
        raise EventNotSent(f"could not send the subtitle task's event: {error}") from error
    if event["type"] != "subtitle_failed":
        print(json.dumps(event))
        return 0
    print(json.dumps({"error": event["code"], "reason": event["reason"]}), file=sys.stderr)
    return EXIT_FAILURE if event["retryable"] else EXIT_REFUSED
