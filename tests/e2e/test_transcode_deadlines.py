"""A transcode whose transcoder dies while nothing watches it still settles.

What the issue saw: the stack stopped mid-transcode, then started again, and the movie
stayed `processing` at 5.7% for good. Here `make run` is stopped while a real transcoder is
mid-job, the transcoder is killed once nobody is left to notice (frozen first, so it cannot
finish or report in between), and a new `make run` on the same emulator starts. Only the
job's deadline check, waiting on the queue, knows: it retries the job, which the new stack's
transcoder finishes. Deadlines are made short (a 10 s silence) by setting, not by sleeping.
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from chalicelib.core import envvars
from devstack.emulator import Emulator, start_moto
from tests.e2e.test_transcode_pipeline import make_clip
from tests.support.dev_stack import running_dev_stack, wait_for
from tests.support.network import free_port

pytestmark = pytest.mark.e2e
PREFIX = "reelstack-deadlines"


@pytest.fixture
def shared_emulator(tmp_path: Path) -> Iterator[Emulator]:
    """One emulator that outlives both stacks (each finds it running and leaves it be)."""
    started = start_moto(f"http://127.0.0.1:{free_port()}", tmp_path / "moto.log")
    yield started
    started.stop()


def client(emulator: Emulator, service: str) -> Any:
    return boto3.client(service, endpoint_url=emulator.endpoint,  # type: ignore[call-overload]
                        region_name="us-east-1")


def movie_titled(emulator: Emulator, title: str) -> dict[str, Any] | None:
    """Test-side lookup (a Scan is fine here: no request path does it)."""
    items = client(emulator, "dynamodb").scan(TableName=f"{PREFIX}-movies")["Items"]
    return next((item for item in items if item.get("title", {}).get("S") == title), None)


def transcoder_groups() -> set[int]:
    """Process groups of this stack's transcoders (each runs in its own session)."""
    groups, ours = set(), os.getpgrp()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
            group = os.getpgid(int(entry.name))
        except (OSError, ProcessLookupError):
            continue
        if group != ours and b"transcoder" in command \
                and f"{PREFIX}-media".encode() in command:
            groups.add(group)
    return groups


def signal_groups(groups: set[int], signum: int) -> None:
    for group in groups:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signum)


def test_a_transcoder_killed_while_the_stack_was_down_is_retried_by_its_deadline(
    shared_emulator: Emulator, project_root: Path, tmp_path: Path
) -> None:
    emulator = shared_emulator
    settings = {"AWS_ENDPOINT_URL": emulator.endpoint,
                "REELSTACK_TRANSCODE_SILENCE_SECONDS": "10",
                # A slow machine may retry a silent start early; that must not fail it.
                "REELSTACK_TRANSCODE_MAX_ATTEMPTS": "5"}
    # The first stack reads the source at real time, so that its transcoder is surely mid-job
    # when it is frozen; the second one's retry reads it as fast as ffmpeg goes.
    first_settings = {**settings, envvars.TRANSCODE_READ_RATE: "1"}
    clip = make_clip(tmp_path / "long.mp4", size="320x180", seconds=20)
    frozen: set[int] = set()

    def mid_job() -> bool:
        movie = movie_titled(emulator, "Dead Air")
        return bool(movie and float(movie.get("progress", {}).get("N", 0)) > 0)

    try:
        with running_dev_stack(project_root, tmp_path / "first.log", PREFIX, first_settings):
            client(emulator, "s3").upload_file(str(clip), f"{PREFIX}-uploads",
                                               "videos/Dead Air.mp4")
            wait_for(mid_job, 180, "the transcoder's first progress")
            frozen = transcoder_groups()
            signal_groups(frozen, signal.SIGSTOP)  # neither finishes nor reports from here
        assert frozen, "no transcoder process found"
        signal_groups(frozen, signal.SIGKILL)  # its watcher went with the stack
        stuck = movie_titled(emulator, "Dead Air")
        assert stuck and stuck["status"]["S"] == "processing"

        with running_dev_stack(project_root, tmp_path / "second.log", PREFIX, settings):
            wait_for(lambda: (movie_titled(emulator, "Dead Air") or {}).get(
                "status", {}).get("S") == "ready", 240, "the retried transcode")
    finally:
        signal_groups(frozen | transcoder_groups(), signal.SIGKILL)

    movie = movie_titled(emulator, "Dead Air")
    assert movie and "pending_version" not in movie
    jobs = client(emulator, "dynamodb").scan(TableName=f"{PREFIX}-transcodes")["Items"]
    [job] = [j for j in jobs if j["movie_id"]["S"] == movie["movie_id"]["S"]]
    assert int(job["attempt"]["N"]) >= 2
    assert job["reason"]["S"].startswith("no word from the transcoder")
