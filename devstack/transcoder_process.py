"""Where `python -m transcoder` finds its code outside its image: its own folder and the
repository root, for chalicelib/contracts, the one part of chalicelib it imports (the
image holds both under /app: containers/transcoder/Dockerfile). Used by the local task
runner, the tests and the benches that start the transcoder as a process."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TRANSCODER_DIR = ROOT / "containers" / "transcoder"


def transcoder_pythonpath(transcoder_dir: Path = TRANSCODER_DIR) -> str:
    return os.pathsep.join([str(transcoder_dir), str(ROOT)])
