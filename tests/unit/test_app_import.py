"""Importing the app (a Lambda's cold start) leaves the garbage collector on, with what the
import made frozen out of its scans (app.py's top says why)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_app_imports_with_the_collector_off_and_turns_it_back_on() -> None:
    done = subprocess.run(
        [sys.executable, "-c",
         "import gc, app; print(gc.isenabled(), gc.get_freeze_count() > 10_000)"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=True,
        env={"PATH": "/usr/bin:/bin", "AWS_DEFAULT_REGION": "us-east-1"})

    assert done.stdout.split() == ["True", "True"]
