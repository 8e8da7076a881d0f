"""`make run` and its emulator exit without the interpreter's teardown once they have
stopped (devstack.processes.exit_at_once): what they wrote still reaches their logs, and
their exit status is kept."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import logging, sys
from devstack.processes import exit_at_once
logging.basicConfig(stream=sys.stderr, format="%(message)s")
print("Stopping Reelstack...", end="")  # block-buffered: stdout is a pipe here
logging.getLogger("devstack").warning("emulator state saved")
exit_at_once(3)
"""


def test_what_was_written_is_flushed_and_the_exit_status_kept() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, check=False)

    assert done.returncode == 3, done.stderr
    assert done.stdout == "Stopping Reelstack..."
    assert done.stderr == "emulator state saved\n"
