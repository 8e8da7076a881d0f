"""Running one ffmpeg to the end, within the job's time, and saying clearly why it did not."""

from __future__ import annotations

import logging
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from typing import IO

from transcoder.banner import last_message
from transcoder.errors import TranscodeFailed, TranscodeTimedOut

logger = logging.getLogger(__name__)

STDERR_TAIL_BYTES = 8192


class Deadline:
    """The time one transcode may take, shared by the ffmpeg runs that make it up."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._ends = clock() + seconds

    def remaining(self) -> float:
        return self._ends - self._clock()

    def expired(self) -> TranscodeTimedOut:
        return TranscodeTimedOut(f"timed out after {self.seconds:g} s")


def run_ffmpeg(command: list[str], deadline: Deadline,
               on_output_line: Callable[[str], None] | None = None) -> None:
    """Run `command`, handing each stdout line (`-progress pipe:1`) to `on_output_line`.

    TranscodeTimedOut when the deadline passes (ffmpeg is killed); TranscodeFailed when
    ffmpeg exits non-zero or is killed by someone else. ffmpeg never outlives the call.
    """
    if deadline.remaining() <= 0:
        raise deadline.expired()
    # stderr goes to a file: a pipe nobody drains would stall ffmpeg on a chatty input.
    with tempfile.TemporaryFile() as stderr:
        logger.debug("running %s", subprocess.list2cmdline(command))
        try:
            process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stderr=stderr, text=True, errors="replace",
                stdout=subprocess.PIPE if on_output_line else subprocess.DEVNULL,
            )
        except OSError as error:
            raise TranscodeFailed(f"cannot run {command[0]}: {error}") from error
        timed_out = threading.Event()

        def kill_on_timeout() -> None:
            timed_out.set()
            process.kill()

        watchdog = threading.Timer(deadline.remaining(), kill_on_timeout)
        watchdog.start()
        try:
            if process.stdout is not None and on_output_line is not None:
                for line in process.stdout:
                    on_output_line(line)
            status = process.wait()
        finally:
            watchdog.cancel()
            if process.poll() is None:  # an exception (SIGTERM, a callback) cut us short
                process.kill()
                process.wait()
        if status == 0:  # done, even if the watchdog fired just as it finished
            return
        if timed_out.is_set():
            raise deadline.expired()
        raise TranscodeFailed(_failure_reason(status, stderr))


def _failure_reason(status: int, stderr: IO[bytes]) -> str:
    if status < 0:
        try:
            return f"ffmpeg was killed by {signal.Signals(-status).name}"
        except ValueError:
            return f"ffmpeg was killed by signal {-status}"
    stderr.seek(max(0, stderr.seek(0, 2) - STDERR_TAIL_BYTES))
    said = last_message(stderr.read().decode(errors="replace"))
    return f"ffmpeg exited with status {status}: {said}"
