"""The dev stack's child processes: who they are, one group for all, dying with make run.

A pid alone names a process only while it lives: once it exits, the kernel may hand the
number to anyone. So a process is recorded as its pid and its start time, and is "still
there" only while both match; a leftover stack is never stopped by a recycled pid.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, NoReturn

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform == "linux" else None


def start_time(pid: int) -> str | None:
    """When `pid` started (an opaque token), or None when no such process runs."""
    if _LIBC is not None:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return None
        # The command name (field 2) may hold spaces and parentheses: split after it.
        fields = stat.rpartition(")")[2].split()
        return None if fields[0] in ("Z", "X") else fields[19]  # state, starttime
    result = subprocess.run(["ps", "-o", "lstart=", "-p", str(pid)], capture_output=True,
                            text=True, check=False)
    return result.stdout.strip() or None


@dataclass(frozen=True)
class ProcessId:
    pid: int
    started: str

    @classmethod
    def of(cls, pid: int) -> ProcessId | None:
        started = start_time(pid)
        return None if started is None else cls(pid, started)

    def running(self) -> bool:
        return start_time(self.pid) == self.started


def dies_with_parent(signum: int = signal.SIGTERM) -> Callable[[], None] | None:
    """A `preexec_fn` that has the kernel send `signum` to the child when the thread
    starting it ends (Linux; elsewhere None, and the stack's state file catches what is
    left). Call it on the thread that outlives the child: the main thread, or a watcher."""
    if _LIBC is None:
        return None
    libc, parent = _LIBC, os.getpid()

    def arm() -> None:
        libc.prctl(PR_SET_PDEATHSIG, signum)
        if os.getppid() != parent:  # the parent died before the line above took hold
            os.kill(os.getpid(), signum)

    return arm


def die_with_parent(signum: int = signal.SIGTERM) -> None:
    """The same for this process: `make run` killed (even by SIGKILL) stops its stack."""
    if _LIBC is not None:
        _LIBC.prctl(PR_SET_PDEATHSIG, signum)


class ChildGroup:
    """The stack's children in one process group of their own: apart from the terminal's,
    so Ctrl-C reaches only `make run`, which stops them in order; and one `killpg` stops
    whatever is left of them."""

    def __init__(self) -> None:
        self.pgid: int | None = None
        self.members: list[ProcessId] = []

    def popen(self, command: list[str], cwd: Path, env: dict[str, str] | None = None,
              output: IO[bytes] | int | None = None) -> subprocess.Popen[bytes]:
        # preexec_fn in a threaded process: safe here, it makes two system calls and
        # takes no lock a thread of ours could hold across the fork.
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=output,
            stderr=None if output is None else subprocess.STDOUT,
            process_group=self.pgid or 0, preexec_fn=dies_with_parent())  # noqa: PLW1509
        if self.pgid is None:
            self.pgid = process.pid
        member = ProcessId.of(process.pid)
        if member is not None:
            self.members.append(member)
        return process

    def stop(self, grace: float = 5) -> None:
        if self.pgid is not None:
            stop_group(self.pgid, self.members, grace)


def stop_group(pgid: int | None, members: list[ProcessId], grace: float = 5) -> list[int]:
    """SIGTERM to the group and to each member still running, SIGKILL after `grace`
    seconds; the pids that were still running."""
    alive = [member for member in members if member.running()]
    if pgid is not None and any(member.pid == pgid for member in alive):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGTERM)
    for member in alive:
        with contextlib.suppress(ProcessLookupError):
            os.kill(member.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while any(member.running() for member in alive) and time.monotonic() < deadline:
        time.sleep(0.05)
    for member in alive:
        if member.running():
            with contextlib.suppress(ProcessLookupError):
                os.kill(member.pid, signal.SIGKILL)
    deadline = time.monotonic() + grace  # SIGKILL is not refused, but takes a moment
    while any(member.running() for member in alive) and time.monotonic() < deadline:
        time.sleep(0.05)
    return [member.pid for member in alive]


def exit_at_once(code: int) -> NoReturn:
    """Exit once everything is stopped and saved, without the interpreter's teardown: for
    a process that imported moto or the whole app it takes seconds on a busy machine,
    which every stop of a stack (and every test that stops one) would wait for."""
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


def port_in_use(host: str, port: int) -> bool:
    """Whether a server could not listen on host:port (as HTTPServer binds: reusing an
    address in TIME_WAIT, which is no one's)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False
