"""The object store the job reads sources from and publishes to: S3, or a fake in tests."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from transcoder.errors import SourceMissing

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

logger = logging.getLogger(__name__)

MISSING_CODES = frozenset({"404", "NoSuchKey", "NoSuchBucket", "NotFound"})
DELETE_BATCH = 1000  # DeleteObjects takes at most this many keys


class ObjectStore(Protocol):
    def size(self, bucket: str, key: str) -> int:
        """The object's size in bytes; SourceMissing when it cannot be had."""

    def presigned_get(self, bucket: str, key: str, expires_seconds: int) -> str:
        """A URL that reads the object (byte ranges included) without credentials."""

    def upload(self, path: Path, bucket: str, key: str, *, content_type: str,
               cache_control: str) -> None: ...

    def delete(self, bucket: str, keys: Sequence[str]) -> None: ...


class S3ObjectStore:
    def __init__(self, client: S3Client | None = None) -> None:
        if client is None:
            import boto3  # AWS_ENDPOINT_URL, the region and credentials come from the env

            client = boto3.client("s3")
        self._client = client

    def size(self, bucket: str, key: str) -> int:
        try:
            return self._client.head_object(Bucket=bucket, Key=key)["ContentLength"]
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", ""))
            if code in MISSING_CODES:
                raise SourceMissing(f"no such object: s3://{bucket}/{key}") from error
            raise SourceMissing(f"cannot read s3://{bucket}/{key}: {code}") from error
        except BotoCoreError as error:
            raise SourceMissing(f"cannot read s3://{bucket}/{key}: {error}") from error

    def presigned_get(self, bucket: str, key: str, expires_seconds: int) -> str:
        # Signed locally, no request: signed with a task role's temporary credentials it
        # stops working when they expire, whatever `expires_seconds` says.
        return self._client.generate_presigned_url(
            "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires_seconds)

    def upload(self, path: Path, bucket: str, key: str, *, content_type: str,
               cache_control: str) -> None:
        self._client.upload_file(str(path), bucket, key, ExtraArgs={
            "ContentType": content_type, "CacheControl": cache_control,
        })

    def delete(self, bucket: str, keys: Sequence[str]) -> None:
        for start in range(0, len(keys), DELETE_BATCH):
            batch = keys[start:start + DELETE_BATCH]
            answer = self._client.delete_objects(Bucket=bucket, Delete={
                "Objects": [{"Key": key} for key in batch], "Quiet": True,
            })
            for error in answer.get("Errors", []):
                logger.warning("could not delete s3://%s/%s: %s", bucket, error.get("Key"),
                               error.get("Message"))
