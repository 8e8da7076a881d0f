"""A snapshot writes new S3 bodies before it closes its gate (devstack/moto_persistence.py):
requests wait only for the pickle, not for the disk to take a big upload."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from devstack import moto_state_file
from devstack.moto_persistence import Persistence
from devstack.moto_state_file import BODIES_NAME


def test_bodies_are_on_disk_before_the_gate_closes(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    writes: list[bool] = []  # for each body written: was the gate closed?
    real_write = moto_state_file.write_atomically

    def recording_write(path: Path, chunks: list[bytes]) -> None:
        if path.parent.name == BODIES_NAME:
            writes.append(gate_closed)
        real_write(path, chunks)

    monkeypatch.setattr(moto_state_file, "write_atomically", recording_write)
    # In-process moto only: a session's emulator endpoint would take the calls past it.
    for variable in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(variable, raising=False)
    gate_closed = False
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="media")
        body = os.urandom(2 * 1024 * 1024)
        s3.put_object(Bucket="media", Key="videos/source.mp4", Body=body)
        persistence = Persistence(tmp_path / "state")
        persistence.restore()
        exclusive = persistence.gate.exclusive

        @contextmanager
        def watched() -> Iterator[None]:
            nonlocal gate_closed
            with exclusive():
                gate_closed = True
                try:
                    yield
                finally:
                    gate_closed = False

        monkeypatch.setattr(persistence.gate, "exclusive", watched)
        persistence.snapshot()
        s3.delete_object(Bucket="media", Key="videos/source.mp4")
        persistence.snapshot()

    assert writes == [False]  # once, ahead of the gate; not again inside it
    assert list((tmp_path / "state" / BODIES_NAME).iterdir()) == []  # forgotten once deleted
