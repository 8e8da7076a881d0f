"""A snapshot copies an S3 body to disk a chunk at a time (devstack/moto_state_file.py): the
object's lock, which every GET of it needs, is held for one chunk, never for the whole body,
so a transcoder reading a just-uploaded source is not stopped by `make run`'s snapshot."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.s3.models import FakeKey, s3_backends

from devstack.moto_s3_reads import ACCOUNT_ID, CHUNK_BYTES, PARTITION
from devstack.moto_state_file import BodyStore


class WatchedBuffer:
    """The object's buffer, noting each read's size and whether the object's lock was held."""

    def __init__(self, key: FakeKey) -> None:
        self.key, self.real = key, key._value_buffer
        self.reads: list[tuple[int, bool]] = []

    def read(self, size: int = -1) -> bytes:
        self.reads.append((size, self.key.lock.locked()))
        return bytes(self.real.read(size))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


@pytest.fixture
def uploaded(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FakeKey, bytes]]:
    # In-process moto only: a session's emulator endpoint would take the calls past it.
    for variable in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(variable, raising=False)
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="uploads")
        body = os.urandom(3 * CHUNK_BYTES + 5)
        s3.put_object(Bucket="uploads", Key="videos/m1/source.mp4", Body=body)
        key = s3_backends[ACCOUNT_ID][PARTITION].get_object("uploads", "videos/m1/source.mp4")
        assert isinstance(key, FakeKey)
        yield key, body


def test_a_body_is_written_a_chunk_at_a_time_under_the_objects_lock(
        uploaded: tuple[FakeKey, bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key, body = uploaded
    buffer = WatchedBuffer(key)
    monkeypatch.setattr(key, "_value_buffer", buffer)
    store = BodyStore(tmp_path / "bodies")

    store.prepare(key)

    assert [path.read_bytes() for path in store.folder.iterdir()] == [body]
    assert len(buffer.reads) == 4  # never the whole body in one read (`key.value`)
    assert all(0 < size <= CHUNK_BYTES and locked for size, locked in buffer.reads)
    assert not key.lock.locked()


def test_a_body_shorter_than_its_object_says_is_not_kept(
        uploaded: tuple[FakeKey, bytes], tmp_path: Path) -> None:
    key, _ = uploaded
    key._value_buffer.truncate(CHUNK_BYTES)  # as if its bytes were lost under it
    store = BodyStore(tmp_path / "bodies")

    with pytest.raises(ValueError, match="ended at byte"):
        store.prepare(key)

    assert list(store.folder.iterdir()) == []  # no torn body under the object's name
