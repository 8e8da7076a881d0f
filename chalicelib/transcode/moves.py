"""Moving an upload within its bucket with S3's server-side copies (managed transfers).

One CopyObject up to the part size; above it, parts copied in parallel (UploadPartCopy):
a file beyond CopyObject's 5 GB limit moves too, a large one in a fraction of the time,
and no byte passes through the Lambda. s3transfer raises the part size when a file would
need more than S3's 10,000 parts.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

from chalicelib.core.clients import s3

if TYPE_CHECKING:
    from boto3.s3.transfer import TransferConfig

Result = TypeVar("Result")
PART_BYTES = 256 * 1024 * 1024
CONCURRENCY = 16


class InvocationThreadPool(ThreadPoolExecutor):
    """Workers that run in the submitter's context, so what an invocation sets there (its
    log fields, the function the tests hold to its IAM policy) holds for every part."""

    def submit(self, fn: Callable[..., Result], /, *args: Any,
               **kwargs: Any) -> Future[Result]:
        return super().submit(contextvars.copy_context().run, fn, *args, **kwargs)


def default_config() -> TransferConfig:
    from boto3.s3.transfer import TransferConfig  # deferred: boto3 slows a cold start

    return TransferConfig(multipart_threshold=PART_BYTES, multipart_chunksize=PART_BYTES,
                          max_concurrency=CONCURRENCY)


def copy_within(bucket: str, source_key: str, target_key: str,
                config: TransferConfig | None = None) -> None:
    """Copy `source_key` to `target_key`; ClientError 404 when the source is gone."""
    from s3transfer.manager import TransferManager

    with TransferManager(s3(), config or default_config(),
                         executor_cls=InvocationThreadPool) as manager:
        manager.copy({"Bucket": bucket, "Key": source_key}, bucket, target_key).result()
