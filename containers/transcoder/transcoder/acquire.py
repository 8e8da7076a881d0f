"""`python -m transcoder acquire`: a requested movie's source streamed from its URL into the
uploads bucket by a task, for sources too large (or of unknown length) for the 15-minute
Lambda; chalicelib/movie_requests/acquire_tasks.py starts it and reads its reports.

The bytes go straight into a managed multipart upload: s3transfer keeps at most
`IN_MEMORY_PARTS` parts of a stream it cannot seek in memory, and aborts the upload on any
error, so a failed acquisition leaves no object and no parts behind. The reports are steps
on the movie-requests queue, each naming the request and this run:

    acquire_progress  {"bytes"}  every --heartbeat seconds while bytes arrive
    acquired          {"bytes"}  the object is complete
    acquire_failed    {"reason", "retryable"}

Exit status as `run`'s: 0 acquired, 1 failed (a retry may help), 2 the source can never be
had (gone, or over the size limit), 3 the closing report could not be sent.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import FrameType
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from transcoder.errors import JobInterrupted, TranscoderError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient

logger = logging.getLogger(__name__)

PROGRESS, ACQUIRED, FAILED = "acquire_progress", "acquired", "acquire_failed"
EXIT_ACQUIRED, EXIT_RETRYABLE, EXIT_PERMANENT, EXIT_UNREPORTED = 0, 1, 2, 3
IN_MEMORY_PARTS = 4
CONCURRENCY = 4
GONE_STATUSES = (401, 403, 404, 410)
MIN_PART_BYTES = 5 * 1024 * 1024  # S3's least for every part but the last


class SourceRefused(TranscoderError):
    """The source can never be had as asked (gone, over the limit): do not retry."""

    code = "source_refused"
    retryable = False


class Reports(Protocol):
    def send(self, event: Mapping[str, Any]) -> None: ...


class QueueReports:
    """Steps on the movie-requests queue (not transcoder events: the request loop reads
    them, chalicelib/movie_requests/steps.py)."""

    def __init__(self, queue_url: str, client: SQSClient) -> None:
        self._queue_url, self._client = queue_url, client

    def send(self, event: Mapping[str, Any]) -> None:
        self._client.send_message(QueueUrl=self._queue_url, MessageBody=json.dumps(event))


@dataclass(frozen=True)
class Acquisition:
    url: str
    bucket: str
    key: str
    content_type: str
    max_bytes: int
    part_bytes: int
    read_timeout: float
    request_id: str
    run_id: str
    heartbeat_seconds: float

    def report(self, step: str, **fields: Any) -> dict[str, Any]:
        return {"step": step, "request_id": self.request_id, "run_id": self.run_id, **fields}


class MeteredStream:
    """The response body as s3transfer reads it: counted against the limit, with a
    heartbeat report whenever `every` seconds have passed since the last."""

    def __init__(self, body: BinaryIO, acquisition: Acquisition, reports: Reports,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._body, self._acquisition, self._reports = body, acquisition, reports
        self._clock = clock
        self._last_report = clock()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        data = self._body.read(size)
        self.size += len(data)
        limit = self._acquisition.max_bytes
        if self.size > limit:
            raise SourceRefused(f"The source {self._acquisition.url} is over the limit of "
                                f"{limit} bytes.")
        now = self._clock()
        if data and now - self._last_report >= self._acquisition.heartbeat_seconds:
            self._last_report = now
            self._reports.send(self._acquisition.report(PROGRESS, bytes=self.size))
        return data


def acquire(acquisition: Acquisition, s3: S3Client, reports: Reports) -> int:
    """Stream the source into the bucket; returns the bytes stored."""
    from boto3.s3.transfer import TransferConfig

    config = TransferConfig(multipart_threshold=acquisition.part_bytes,
                            multipart_chunksize=acquisition.part_bytes,
                            max_concurrency=CONCURRENCY,
                            max_io_queue=IN_MEMORY_PARTS)
    config.max_in_memory_upload_chunks = IN_MEMORY_PARTS
    what = f"The source {acquisition.url}"
    try:
        with urllib.request.urlopen(acquisition.url,
                                    timeout=acquisition.read_timeout) as response:
            stream = MeteredStream(response, acquisition, reports)
            content_type = response.headers.get("Content-Type") or acquisition.content_type
            s3.upload_fileobj(stream, acquisition.bucket, acquisition.key,  # type: ignore[arg-type]
                              ExtraArgs={"ContentType": content_type}, Config=config)
    except urllib.error.HTTPError as error:
        if error.code in GONE_STATUSES:
            raise SourceRefused(f"{what} answered HTTP {error.code}.") from None
        raise TranscoderError(f"{what} answered HTTP {error.code}.") from None
    except (OSError, BotoCoreError, ClientError) as error:  # URLError and timeouts too
        raise TranscoderError(f"{what} could not be stored ({type(error).__name__}: "
                              f"{error}).") from None
    if stream.size == 0:
        raise SourceRefused(f"{what} is empty.")
    return stream.size


def run(args: argparse.Namespace, s3: S3Client | None = None,
        reports: Reports | None = None) -> int:
    signal.signal(signal.SIGTERM, _interrupt)
    acquisition = Acquisition(
        url=args.url, bucket=args.bucket, key=args.key, content_type=args.content_type,
        max_bytes=args.max_bytes, part_bytes=max(MIN_PART_BYTES, args.part_bytes),
        read_timeout=args.read_timeout, request_id=args.request_id, run_id=args.job_id,
        heartbeat_seconds=args.heartbeat,
    )
    if s3 is None or reports is None:
        import boto3  # AWS_ENDPOINT_URL, the region and credentials come from the env

        s3 = s3 or boto3.client("s3")
        reports = reports or QueueReports(args.events_queue_url, boto3.client("sqs"))
    try:
        size = acquire(acquisition, s3, reports)
        closing, status = acquisition.report(ACQUIRED, bytes=size), EXIT_ACQUIRED
    except TranscoderError as error:
        logger.warning("acquisition failed", extra={"reason": error.reason})
        closing = acquisition.report(FAILED, reason=error.reason, retryable=error.retryable)
        status = EXIT_RETRYABLE if error.retryable else EXIT_PERMANENT
    try:
        reports.send(closing)
    except (BotoCoreError, ClientError):
        logger.exception("the closing report could not be sent")
        return EXIT_UNREPORTED
    print(json.dumps(closing), file=sys.stdout if status == EXIT_ACQUIRED else sys.stderr)
    return status


def add_command(commands: Any) -> None:
    """The `acquire` subcommand, on the parser's subcommands."""
    parser = commands.add_parser(
        "acquire", help="stream a requested movie's source URL into S3, reporting to SQS",
        description="Exit status: 0 acquired, 1 failed (a retry may help), 2 the source "
                    "can never be had, 3 the closing report could not be sent.")
    for name, meaning in [
        ("--url", "the http(s) URL of the source"),
        ("--bucket", "the uploads bucket"),
        ("--key", "where the source goes in it"),
        ("--events-queue-url", "the movie-requests queue, for the reports"),
        ("--request-id", "the movie request, named in every report"),
        ("--job-id", "this run, named in every report"),
    ]:
        parser.add_argument(name, required=True, help=meaning)
    parser.add_argument("--content-type", default="application/octet-stream",
                        help="the stored object's, when the source declares none")
    parser.add_argument("--max-bytes", type=int, required=True,
                        help="refuse a source larger than this")
    parser.add_argument("--part-bytes", type=int, default=64 * 1024 * 1024,
                        help="the multipart upload's part size")
    parser.add_argument("--read-timeout", type=float, default=60.0,
                        help="seconds the source may stall")
    parser.add_argument("--heartbeat", type=float, default=60.0,
                        help="seconds between progress reports")
    # The local runner passes every task the read rate of a media time: bytes have none.
    parser.add_argument("--read-rate", type=float, default=None, help=argparse.SUPPRESS)
    parser.set_defaults(command=run)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise JobInterrupted(f"stopped by {signal.Signals(signum).name}")
