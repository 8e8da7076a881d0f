"""Where a requested movie's video comes from: the Source port and its two adapters.

A source is named by a reference stored on the request: an `http(s)://` URL, streamed with
`requests` into a multipart upload, or `s3://<ingest bucket>/<key>`, copied server-side.
`find_source` asks the configured places for a movie by its TMDb id (a URL template, probed
with HEAD, and the ingest bucket), for admins who approve without naming one and for
auto-approval.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

import requests

from chalicelib.catalog.media import upload_prefix
from chalicelib.core.errors import BadGateway, InvalidInput
from chalicelib.core.settings import MovieRequests
from chalicelib.core.validation import ascii_int
from chalicelib.movie_requests.landing import (
    SNIFF_BYTES,
    Landing,
    SourceRejected,
    check_declared,
    check_sniffed,
    first_bytes,
    part_size_for,
    stream_into_bucket,
)
from chalicelib.transcode.moves import InvocationThreadPool, default_config

if TYPE_CHECKING:
    from boto3.s3.transfer import TransferConfig

logger = logging.getLogger(__name__)

CHUNK_BYTES = 1024 * 1024
CONNECT_SECONDS = 5.0
GONE_STATUSES = (401, 403, 404, 410)
VIDEO_SUFFIXES = (".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".ts", ".mpg", ".mxf")


class LargeSource(Exception):
    """The source is too large for the Lambda (or of unknown length): a task must fetch it.
    Raised once its headers and first bytes have been checked, before any byte is stored."""

    def __init__(self, declared: int | None, content_type: str) -> None:
        super().__init__(f"a source of {declared if declared is not None else 'unknown'} "
                         "bytes is for a task")
        self.declared = declared
        self.content_type = content_type


class Source(Protocol):
    @property
    def reference(self) -> str: ...

    def land(self, s3: Any, bucket: str, key: str, *, task_above: int | None = None
             ) -> Landing:
        """Put the video at `bucket/key`; SourceRejected if it can never be had,
        LargeSource if its bytes would pass through here and are over `task_above`."""


@dataclass(frozen=True)
class HttpSource:
    reference: str
    limits: MovieRequests
    session: requests.Session

    def land(self, s3: Any, bucket: str, key: str, *, task_above: int | None = None
             ) -> Landing:
        what = f"The source {self.reference}"
        timeout = (CONNECT_SECONDS, self.limits.source_timeout_seconds)
        try:
            with self.session.get(self.reference, stream=True, timeout=timeout) as response:
                _check_status(response, what)
                length = response.headers.get("Content-Length", "")
                declared = ascii_int(length)
                content_type = response.headers.get("Content-Type", "")
                check_declared(content_type, declared, self.limits.source_max_bytes, what)
                if task_above is not None and (declared is None or declared > task_above):
                    # Sniffed here, so that a task is never started for a web page.
                    check_sniffed(first_bytes(response.iter_content(SNIFF_BYTES)), what)
                    raise LargeSource(declared, content_type or "application/octet-stream")
                return stream_into_bucket(
                    response.iter_content(CHUNK_BYTES), s3, bucket, key,
                    max_bytes=self.limits.source_max_bytes, part_size=part_size_for(declared),
                    content_type=content_type or "application/octet-stream", what=what,
                )
        except requests.RequestException as error:
            # Timeouts and dropped connections may pass: the queue retries the step.
            raise BadGateway(f"{what} could not be read ({type(error).__name__}).") from None


@dataclass(frozen=True)
class IngestObject:
    reference: str
    limits: MovieRequests
    config: TransferConfig | None = None  # moves.default_config(): 256 MiB parts

    def land(self, s3: Any, bucket: str, key: str, *, task_above: int | None = None
             ) -> Landing:
        """A server-side copy: no byte passes through here, whatever the size."""
        source_bucket, source_key = split_s3_reference(self.reference)
        what = f"The source {self.reference}"
        try:
            head = s3.head_object(Bucket=source_bucket, Key=source_key)
        except s3.exceptions.ClientError as error:
            if error.response["Error"]["Code"] in ("404", "NoSuchKey", "403"):
                raise SourceRejected(f"{what} does not exist.") from None
            raise
        check_declared(head.get("ContentType", ""), int(head["ContentLength"]),
                       self.limits.source_max_bytes, what)
        managed_copy(s3, {"Bucket": source_bucket, "Key": source_key}, bucket, key,
                     self.config)
        return Landing(bucket, key, int(head["ContentLength"]))


def managed_copy(s3: Any, source: dict[str, str], bucket: str, key: str,
                 config: TransferConfig | None = None) -> None:
    """One CopyObject up to the part size, UploadPartCopy parts in parallel above it:
    CopyObject alone stops at 5 GB. The parts run in this invocation's context (moves.py)."""
    from s3transfer.manager import TransferManager

    with TransferManager(s3, config or default_config(),
                         executor_cls=InvocationThreadPool) as manager:
        manager.copy(source, bucket, key).result()


def _check_status(response: requests.Response, what: str) -> None:
    if response.status_code in GONE_STATUSES:
        raise SourceRejected(f"{what} answered HTTP {response.status_code}.")
    if response.status_code >= 400:
        raise BadGateway(f"{what} answered HTTP {response.status_code}.")


def source_key(movie_id: str, reference: str) -> str:
    """Where a request's source lands in the uploads bucket (an upload of the movie's)."""
    suffix = PurePosixPath(reference.split("?", maxsplit=1)[0]).suffix.lower()
    return f"{upload_prefix(movie_id)}source{suffix if suffix in VIDEO_SUFFIXES else '.mp4'}"


def split_s3_reference(reference: str) -> tuple[str, str]:
    parts = urlsplit(reference)
    return parts.netloc, parts.path.lstrip("/")


def checked_reference(value: str, limits: MovieRequests) -> str:
    """An admin's source, refused with a 400 unless it is a URL or in the ingest bucket."""
    parts = urlsplit(value)
    if parts.scheme in ("http", "https") and parts.netloc:
        return value
    if parts.scheme == "s3":
        if not limits.ingest_bucket or parts.netloc != limits.ingest_bucket:
            raise InvalidInput("An s3:// source must be in the configured ingest bucket.",
                               field="source_url")
        if parts.path.strip("/"):
            return value
    raise InvalidInput("source_url must be an http(s) URL or s3://<ingest bucket>/<key>.",
                       field="source_url")


def source_for(reference: str, limits: MovieRequests,
               session: requests.Session | None = None) -> Source:
    if reference.startswith("s3://"):
        return IngestObject(reference, limits)
    return HttpSource(reference, limits, session or requests.Session())


def find_source(tmdb_id: int, limits: MovieRequests, s3: Any,
                session: requests.Session | None = None) -> str | None:
    """A source the configured places have for the movie, or None."""
    if limits.source_url_template:
        url = limits.source_url_template.replace("{tmdb_id}", str(tmdb_id))
        if _answers(url, session or requests.Session()):
            return url
    if limits.ingest_bucket:
        return _in_ingest_bucket(tmdb_id, limits.ingest_bucket, s3)
    return None


def _answers(url: str, session: requests.Session) -> bool:
    try:
        response = session.head(url, timeout=(CONNECT_SECONDS, 10), allow_redirects=True)
    except requests.RequestException as error:
        logger.warning("source probe failed", extra={"url": url, "error": type(error).__name__})
        return False
    return response.status_code == 200


def _in_ingest_bucket(tmdb_id: int, bucket: str, s3: Any) -> str | None:
    listing = s3.list_objects_v2(Bucket=bucket, Prefix=str(tmdb_id), MaxKeys=100)
    for item in listing.get("Contents", []):
        key = item["Key"]
        name = key.removeprefix(str(tmdb_id))
        if name.startswith("/") or (name.startswith(".") and key.lower().endswith(VIDEO_SUFFIXES)):
            return f"s3://{bucket}/{key}"
    return None
