"""Small media files made with ffmpeg's generators, for tests that need real video."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path


def render_sources(ffmpeg: str, folder: Path, sources: Mapping[str, Sequence[str]]) -> Path:
    """Write each `name: ffmpeg arguments` entry as `folder/name`; returns the folder."""
    for name, arguments in sources.items():
        subprocess.run([ffmpeg, "-hide_banner", "-nostdin", "-v", "error", *arguments,
                        str(folder / name)], check=True, timeout=60)
    return folder
