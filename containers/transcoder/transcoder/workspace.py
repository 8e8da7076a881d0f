"""The job's work folder, named after the process that owns it, so one a killed transcoder
left behind is found and removed by the next.

A SIGTERM reaches the job's `finally`, which removes the folder; a SIGKILL does not. The
folder's name carries the owner's pid and start time (a pid alone may have been handed to
another process since), and every job first sweeps the folders of owners that are gone.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
from pathlib import Path

logger = logging.getLogger(__name__)

PREFIX = "transcoder-work-"
_OWNED = re.compile(rf"^{PREFIX}(\d+)-(\d+)-")


def process_start(pid: int) -> int | None:
    """When `pid` started (clock ticks after boot; 0 where /proc is absent, and None when
    no such process runs)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        if Path("/proc/self/stat").exists():
            return None
        try:  # no /proc (macOS): the pid alone says whether it runs
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
        return 0
    except OSError:
        return None
    fields = stat.rpartition(")")[2].split()  # the command name may hold ") "
    return None if fields[0] in ("Z", "X") else int(fields[19])


def make_workspace(parent: Path | None = None) -> Path:
    """A fresh work folder in `parent` (the system's temporary folder when None)."""
    pid = os.getpid()
    started = process_start(pid) or 0
    return Path(tempfile.mkdtemp(prefix=f"{PREFIX}{pid}-{started}-", dir=parent))


def sweep_abandoned(parent: Path | None = None) -> list[Path]:
    """Remove the work folders whose transcoder no longer runs; the folders removed."""
    folder = Path(parent or tempfile.gettempdir())
    removed = []
    for candidate in folder.glob(f"{PREFIX}*"):
        owner = _OWNED.match(candidate.name)
        if owner is None or not candidate.is_dir():
            continue  # not one of ours (an older name): not ours to judge
        pid, started = int(owner[1]), int(owner[2])
        running = process_start(pid)
        if running is not None and running in (started, 0):
            continue
        shutil.rmtree(candidate, ignore_errors=True)
        logger.info("removed %s, left by a transcoder that is gone", candidate)
        removed.append(candidate)
    return removed
