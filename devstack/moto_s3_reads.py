"""Plain GETs of large S3 objects streamed from where moto keeps their bytes.

moto answers every GET of an object, ranged or not, by reading the whole object into
memory and slicing it, and waitress then buffers that answer (to disk past 1 MB) before
sending it: a 1.5 GB source cost about 10 s per request on the dev box, however little
of it the reader wanted. The transcoder reads its source through a presigned URL (a
probe, the encode, a poster: each a GET, ranged where it seeks), so its time to the
first playable segment grew with the source's length here, and only here: S3 serves a
range in constant time. This middleware answers such GETs itself, a chunk at a time
under the object's own lock, with S3's range semantics; anything else (small objects,
subresources, conditional or SSE-C requests, several ranges, a missing key) goes to moto
as before.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import parse_qsl

logger = logging.getLogger(__name__)

STREAM_FROM_BYTES = 8 * 1024 * 1024  # below this moto's own answer costs little
CHUNK_BYTES = 1024 * 1024
ACCOUNT_ID, PARTITION = "123456789012", "aws"  # moto's default account: the only one used
# Query parameters of a presigned or SDK GetObject; any other names a subresource.
_PLAIN_QUERY = re.compile(r"^(X-Amz-.*|x-id|AWSAccessKeyId|Signature|Expires)$")
_MOTO_ONLY_HEADERS = ("HTTP_IF_MATCH", "HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE",
                      "HTTP_IF_UNMODIFIED_SINCE", "HTTP_X_AMZ_CHECKSUM_MODE",
                      "HTTP_X_AMZ_SERVER_SIDE_ENCRYPTION_CUSTOMER_ALGORITHM")
_RANGE = re.compile(r"^bytes=(?P<first>\d*)-(?P<last>\d*)$")

Application = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def streaming_large_reads(application: Application) -> Application:
    def serve(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        key = _plain_get_of_large_object(environ)
        if key is None:
            return application(environ, start_response)
        window = _window(environ.get("HTTP_RANGE", ""), key.size)
        if window is None:
            return application(environ, start_response)  # moto says why (416, say)
        first, last = window
        headers = {**key.response_dict, **key.metadata, "Accept-Ranges": "bytes",
                   "content-length": str(last - first + 1)}
        status = "200 OK"
        if environ.get("HTTP_RANGE"):
            status = "206 Partial Content"
            headers["content-range"] = f"bytes {first}-{last}/{key.size}"
        start_response(status, [(name, str(value)) for name, value in headers.items()])
        return object_chunks(key, first, last)

    return serve


def _plain_get_of_large_object(environ: dict[str, Any]) -> Any | None:
    if environ.get("REQUEST_METHOD") != "GET" or any(h in environ for h in _MOTO_ONLY_HEADERS):
        return None
    query = parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    if any(not _PLAIN_QUERY.match(name) for name, _ in query):
        return None
    bucket, _, key_name = environ.get("PATH_INFO", "").lstrip("/").partition("/")
    if not bucket or not key_name:
        return None
    try:
        from moto.s3.models import s3_backends

        key = s3_backends[ACCOUNT_ID][PARTITION].get_object(bucket, key_name)
    except Exception:  # no such bucket or key, or not S3's path at all: moto answers
        return None
    if key is None or key.size < STREAM_FROM_BYTES:
        return None
    return key


def _window(header: str, size: int) -> tuple[int, int] | None:
    """(first, last) byte as S3 reads a single Range; None when moto should answer."""
    if not header:
        return (0, size - 1) if size else None
    found = _RANGE.match(header.strip())
    if found is None or not (found["first"] or found["last"]):
        return None
    if found["first"]:
        first = int(found["first"])
        last = min(int(found["last"]), size - 1) if found["last"] else size - 1
    else:  # the last N bytes
        first, last = max(0, size - int(found["last"])), size - 1
    return (first, last) if first <= last < size else None


def object_chunks(key: Any, first: int, last: int) -> Iterator[bytes]:
    """Bytes `first` to `last` of moto's object `key`, CHUNK_BYTES at a time, each read
    under the object's lock and none held between them: other readers of the object (a
    snapshot writing its body, a GET) wait for a chunk, never for the whole object."""
    position = first
    while position <= last:
        with key.lock:  # the buffer's position is shared with every other reader
            key._value_buffer.seek(position)  # moto keeps the bytes there
            chunk = key._value_buffer.read(min(CHUNK_BYTES, last - position + 1))
        if not chunk:
            logger.warning("s3 object %s ended early while streamed", key.name)
            return
        position += len(chunk)
        yield chunk
