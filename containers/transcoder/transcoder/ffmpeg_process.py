"""Running one ffmpeg to the end, within the job's time, and saying clearly why it did not."""

from __future__ import annotations

import logging
import re
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from typing import IO

from transcoder.banner import last_message, without_url_queries
from transcoder.child_process import dies_with_parent, hold_termination, release_termination
from transcoder.errors import SourceCorrupt, TranscodeFailed, TranscodeTimedOut

logger = logging.getLogger(__name__)

STDERR_TAIL_BYTES = 8192
# ffmpeg's exit status (and only for this) when a larger share of the decoded frames failed
# than -max_error_rate allows: the fault is in the source, whatever the command made of it.
EXIT_DECODE_ERROR_RATE = 69
# "[vist#0:0/h264 @ 0x...] [dec:h264 @ 0x...] " before a message: one tag or several.
_LOG_TAGS = re.compile(r"^(?:\[[^\]]*\]\s*)+")


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
        logger.debug("running %s", without_url_queries(subprocess.list2cmdline(command)))
        # A SIGTERM handled while Popen runs would raise before `process` exists, and
        # nothing would kill the ffmpeg it had just started: hold it until then.
        held = hold_termination()
        try:
            process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stderr=stderr, text=True, errors="replace",
                stdout=subprocess.PIPE if on_output_line else subprocess.DEVNULL,
                preexec_fn=dies_with_parent(),  # noqa: PLW1509 - system calls only, no lock
            )
        except OSError as error:
            release_termination(held)
            raise TranscodeFailed(f"cannot run {command[0]}: {error}") from error
        timed_out = threading.Event()

        def kill_on_timeout() -> None:
            timed_out.set()
            process.kill()

        watchdog = threading.Timer(deadline.remaining(), kill_on_timeout)
        watchdog.start()
        try:
            release_termination(held)  # a SIGTERM that came meanwhile is raised here
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
        if status == EXIT_DECODE_ERROR_RATE:
            raise SourceCorrupt(_decode_errors_reason(_tail(stderr)))
        raise TranscodeFailed(_failure_reason(status, stderr))


def _decode_errors_reason(stderr: str) -> str:
    """What the source's decode errors were, from ffmpeg's stderr: the first one it shows and
    the rate ffmpeg measured (its last lines only say that a thread ended with an error)."""
    messages = [_LOG_TAGS.sub("", line).strip().rstrip(".") for line in stderr.splitlines()]
    messages = [m for m in messages if m and not m.startswith("Last message repeated")]
    rate = next((m for m in messages if m.startswith("Decode error rate")), None)
    first = next((m for m in messages if m != rate), None)
    said = "; ".join(m for m in (first, rate) if m) or "no details"
    return f"the source does not decode cleanly: {without_url_queries(said)}"


def _failure_reason(status: int, stderr: IO[bytes]) -> str:
    if status < 0:
        try:
            return f"ffmpeg was killed by {signal.Signals(-status).name}"
        except ValueError:
            return f"ffmpeg was killed by signal {-status}"
    return f"ffmpeg exited with status {status}: {last_message(_tail(stderr))}"


def _tail(stderr: IO[bytes]) -> str:
    start = max(0, stderr.seek(0, 2) - STDERR_TAIL_BYTES)
    stderr.seek(start)
    text = stderr.read().decode(errors="replace")
    return text.partition("\n")[2] if start else text  # not half a line
