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
from typing import Any, Protocol
from urllib.parse import urlsplit

import requests

from chalicelib.core.errors import BadGateway, InvalidInput
from chalicelib.core.settings import MovieRequests
from chalicelib.core.validation import ascii_int
from chalicelib.movie_requests.landing import (
    Landing,
    SourceRejected,
    check_declared,
    part_size_for,
    stream_into_bucket,
)

logger = logging.getLogger(__name__)

CHUNK_BYTES = 1024 * 1024
CONNECT_SECONDS = 5.0
GONE_STATUSES = (401, 403, 404, 410)
VIDEO_SUFFIXES = (".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".ts", ".mpg", ".mxf")


class Source(Protocol):
    @property
    def reference(self) -> str: ...

    def land(self, s3: Any, bucket: str, key: str) -> Landing:
        """Put the video at `bucket/key`; SourceRejected if it can never be had."""


@dataclass(frozen=True)
class HttpSource:
    reference: str
    limits: MovieRequests
    session: requests.Session

    def land(self, s3: Any, bucket: str, key: str) -> Landing:
        what = f"The source {self.reference}"
        timeout = (CONNECT_SECONDS, self.limits.source_timeout_seconds)
        try:
            with self.session.get(self.reference, stream=True, timeout=timeout) as response:
                _check_status(response, what)
                length = response.headers.get("Content-Length", "")
                declared = ascii_int(length)
                content_type = response.headers.get("Content-Type", "")
                check_declared(content_type, declared, self.limits.source_max_bytes, what)
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

    def land(self, s3: Any, bucket: str, key: str) -> Landing:
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
        # Managed copy: one CopyObject, or UploadPartCopy parts above 5 GB; no bytes here.
        s3.copy({"Bucket": source_bucket, "Key": source_key}, bucket, key)
        return Landing(bucket, key, int(head["ContentLength"]))


def _check_status(response: requests.Response, what: str) -> None:
    if response.status_code in GONE_STATUSES:
        raise SourceRejected(f"{what} answered HTTP {response.status_code}.")
    if response.status_code >= 400:
        raise BadGateway(f"{what} answered HTTP {response.status_code}.")


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
