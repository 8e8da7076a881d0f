"""ffmpeg and ffprobe die with the transcoder, even when it is killed outright.

A SIGTERM reaches the transcoder's handler, which kills ffmpeg itself; a SIGKILL (the
OOM killer, `docker kill`, a task stopped past its grace period) gives it no chance.
On Linux the kernel's parent-death signal covers that case: ffmpeg is SIGKILLed when the
thread that started it ends, and `run_ffmpeg` waits on that same thread.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from collections.abc import Callable

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform == "linux" else None


TERMINATION = frozenset({signal.SIGTERM, signal.SIGINT})


def hold_termination() -> set[int | signal.Signals] | None:
    """Block SIGTERM and SIGINT in this thread (they stay pending), where the child's
    `preexec_fn` can unblock them again: the mask is inherited across exec."""
    if _LIBC is None:
        return None
    return signal.pthread_sigmask(signal.SIG_BLOCK, TERMINATION)


def release_termination(held: set[int | signal.Signals] | None) -> None:
    """Restore the mask `hold_termination` replaced; a pending signal is handled now."""
    if held is not None:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def dies_with_parent() -> Callable[[], None] | None:
    """A `preexec_fn` arming the parent-death SIGKILL (and unblocking what
    `hold_termination` blocked); None where Linux's prctl is absent."""
    if _LIBC is None:
        return None
    libc, parent = _LIBC, os.getpid()

    def arm() -> None:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, TERMINATION)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the transcoder died before the line above took hold
            os.kill(os.getpid(), signal.SIGKILL)

    return arm
