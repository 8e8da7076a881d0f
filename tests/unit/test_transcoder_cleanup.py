"""A transcoder stopped mid-encode leaves nothing behind: no ffmpeg, no work folder.

The "transcoder" here is the real job (`run_job`, the CLI's SIGTERM handler, `run_ffmpeg`)
in a process of its own, with an in-memory store and an ffmpeg that never ends on its own.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

TRANSCODER_DIR = Path(__file__).resolve().parents[2] / "containers" / "transcoder"
sys.path.insert(0, str(TRANSCODER_DIR))

from transcoder.workspace import make_workspace, process_start, sweep_abandoned  # noqa: E402

from devstack.ffmpeg import ffmpeg_binary  # noqa: E402
from devstack.transcoder_process import transcoder_pythonpath  # noqa: E402

FFMPEG = ffmpeg_binary()
needs_ffmpeg = pytest.mark.skipif(FFMPEG is None, reason="no ffmpeg (make install)")
linux_only = pytest.mark.skipif(sys.platform != "linux", reason="the parent-death signal")

# Prints its work folder, then encodes a test pattern in real time until stopped.
ENDLESS_JOB = textwrap.dedent("""
    import signal, sys
    from pathlib import Path
    from transcoder.cli import _interrupt
    from transcoder.events import JobIdentity
    from transcoder.ffmpeg_process import Deadline, run_ffmpeg
    from transcoder.job import JobRequest, run_job

    class Store:
        def size(self, bucket, key):
            return 6

        def presigned_get(self, bucket, key, expires_seconds):
            return f"http://127.0.0.1:9/{bucket}/{key}"

    class Events:
        def send(self, event):
            print(event["type"], flush=True)

    def endless(source, output_dir, *, on_progress, timeout_seconds, **_):
        print(output_dir.parent, flush=True)
        run_ffmpeg([sys.argv[1], "-nostdin", "-re", "-f", "lavfi", "-i",
                    "testsrc=size=64x64:rate=5", "-f", "null", "-"], Deadline(600))

    signal.signal(signal.SIGTERM, _interrupt)
    run_job(JobRequest(JobIdentity("job-1.1", "m-1", "v1"), "uploads", "videos/a.mp4",
                       "media", 600, Path(sys.argv[2])),
            store=Store(), events=Events(), transcoder=endless)
""")


def wait_for(predicate: Callable[[], bool], what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def children_of(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


class RunningJob:
    def __init__(self, work_dir: Path) -> None:
        assert FFMPEG is not None
        self.process = subprocess.Popen(
            [sys.executable, "-c", ENDLESS_JOB, FFMPEG, str(work_dir)],
            env={**os.environ, "PYTHONPATH": transcoder_pythonpath(TRANSCODER_DIR)},
            stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        self.workspace = Path(self.process.stdout.readline().strip())
        self.ffmpeg: list[int] = []
        wait_for(self._ffmpeg_started, "ffmpeg to start")

    def _ffmpeg_started(self) -> bool:
        self.ffmpeg = children_of(self.process.pid)
        return bool(self.ffmpeg)

    def ffmpeg_gone(self) -> bool:
        return all(process_start(pid) is None for pid in self.ffmpeg)


@pytest.fixture
def job(tmp_path: Path) -> Iterator[RunningJob]:
    running = RunningJob(tmp_path)
    yield running
    running.process.kill()
    running.process.wait()
    for pid in running.ffmpeg:  # only if the test failed: do not leave it to the machine
        if process_start(pid) is not None:
            os.kill(pid, signal.SIGKILL)


@needs_ffmpeg
@linux_only
def test_sigkill_of_the_transcoder_kills_its_ffmpeg(job: RunningJob) -> None:
    assert job.workspace.is_dir()

    job.process.send_signal(signal.SIGKILL)
    job.process.wait()

    wait_for(job.ffmpeg_gone, "ffmpeg to die with the transcoder")


@needs_ffmpeg
@linux_only
def test_the_next_transcoder_removes_the_work_folder_a_killed_one_left(
        job: RunningJob, tmp_path: Path) -> None:
    job.process.send_signal(signal.SIGKILL)
    job.process.wait()
    assert job.workspace.is_dir()  # nothing ran to remove it

    assert sweep_abandoned(tmp_path) == [job.workspace]
    assert not job.workspace.exists()


@needs_ffmpeg
def test_sigterm_stops_ffmpeg_removes_the_work_folder_and_reports(job: RunningJob) -> None:
    job.process.send_signal(signal.SIGTERM)
    output, _ = job.process.communicate(timeout=120)  # a bound for a loaded machine

    assert output.split() == ["failed"]
    assert job.ffmpeg_gone()
    assert not job.workspace.exists()


@linux_only
def test_a_sweep_keeps_folders_of_running_transcoders_and_other_names(tmp_path: Path) -> None:
    mine = make_workspace(tmp_path)
    other = tmp_path / "transcoder-work-olderstyle"
    other.mkdir()
    exited = subprocess.Popen([sys.executable, "-c", "pass"])
    exited.wait()
    gone = tmp_path / f"transcoder-work-{exited.pid}-1-x"
    gone.mkdir()
    started = process_start(os.getpid())
    # This pid, but with another start time: a process that had the pid before us.
    recycled = tmp_path / f"transcoder-work-{os.getpid()}-{(started or 0) + 1}-x"
    recycled.mkdir()

    removed = sweep_abandoned(tmp_path)

    assert sorted(removed) == sorted([gone, recycled])
    assert mine.is_dir() and other.is_dir()
