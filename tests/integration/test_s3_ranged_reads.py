"""GETs of a large object from the emulator, whole and in ranges, through the SDK and a
presigned URL as ffmpeg reads a source: the bytes S3 would send (devstack/moto_s3_reads.py
streams them where moto would load the whole object for each request)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING

import boto3
import pytest
import requests

from devstack.emulator import Emulator

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

SIZE = 9 * 1024 * 1024 + 17  # past the streaming threshold, not a whole number of chunks
BODY = os.urandom(SIZE)


@pytest.fixture
def large_object(emulator: Emulator) -> Iterator[tuple[S3Client, str, str]]:
    s3 = boto3.client("s3", endpoint_url=emulator.endpoint, aws_access_key_id="test",
                      aws_secret_access_key="test", region_name="us-east-1")
    bucket = f"ranges-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="videos/m-1/source file.mp4", Body=BODY,
                  ContentType="video/mp4")
    yield s3, bucket, "videos/m-1/source file.mp4"
    s3.delete_object(Bucket=bucket, Key="videos/m-1/source file.mp4")
    s3.delete_bucket(Bucket=bucket)


@pytest.mark.parametrize(("header", "first", "last"), [
    (None, 0, SIZE - 1),
    ("bytes=0-", 0, SIZE - 1),
    ("bytes=100-199", 100, 199),
    ("bytes=8388600-", 8388600, SIZE - 1),
    ("bytes=5-99999999999", 5, SIZE - 1),
    ("bytes=-1000", SIZE - 1000, SIZE - 1),
])
def test_a_presigned_url_reads_any_range_of_a_large_object(
    large_object: tuple[S3Client, str, str], header: str | None, first: int, last: int,
) -> None:
    s3, bucket, key = large_object
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key},
                                    ExpiresIn=60)

    answer = requests.get(url, headers={"Range": header} if header else {}, timeout=60)

    assert answer.status_code == (206 if header else 200)
    assert answer.content == BODY[first:last + 1]
    assert answer.headers["Content-Length"] == str(last - first + 1)
    assert answer.headers["Content-Type"] == "video/mp4"
    if header:
        assert answer.headers["Content-Range"] == f"bytes {first}-{last}/{SIZE}"


def test_the_sdk_reads_it_whole_and_in_parts(large_object: tuple[S3Client, str, str]) -> None:
    s3, bucket, key = large_object

    whole = s3.get_object(Bucket=bucket, Key=key)
    part = s3.get_object(Bucket=bucket, Key=key, Range="bytes=1048570-1048589")

    assert whole["Body"].read() == BODY and whole["ContentLength"] == SIZE
    assert part["Body"].read() == BODY[1048570:1048590]
    assert part["ContentRange"] == f"bytes 1048570-1048589/{SIZE}"


def test_a_range_past_the_end_is_refused_as_s3_does(
        large_object: tuple[S3Client, str, str]) -> None:
    s3, bucket, key = large_object
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key},
                                    ExpiresIn=60)

    answer = requests.get(url, headers={"Range": f"bytes={SIZE}-"}, timeout=60)

    assert answer.status_code == 416
    assert b"InvalidRange" in answer.content


def test_a_missing_key_is_still_no_such_key(large_object: tuple[S3Client, str, str]) -> None:
    s3, bucket, _ = large_object

    with pytest.raises(s3.exceptions.NoSuchKey):
        s3.get_object(Bucket=bucket, Key="videos/m-1/never.mp4", Range="bytes=0-")
