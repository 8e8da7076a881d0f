"""Where ffmpeg is for the dev stack and the tests: the transcoder's own choice
(containers/transcoder/transcoder/binaries.py): REELSTACK_FFMPEG, else the system's if on
PATH and recent enough, else the one the imageio-ffmpeg wheel ships (the image's).

    python -m devstack.ffmpeg            # prints it ("" when there is none)
    python -m devstack.ffmpeg --system   # exits 0 when the system's will do (no wheel needed)
"""

from __future__ import annotations

import os
import shutil
import sys

from devstack.transcoder_process import TRANSCODER_DIR

if str(TRANSCODER_DIR) not in sys.path:
    sys.path.append(str(TRANSCODER_DIR))

from transcoder.binaries import find_ffmpeg, recent_enough
from transcoder.errors import MediaToolMissing


def ffmpeg_binary() -> str | None:
    try:
        return find_ffmpeg(os.environ)
    except MediaToolMissing:
        return None


def system_ffmpeg_will_do() -> bool:
    system = shutil.which("ffmpeg")
    return system is not None and recent_enough(system)


if __name__ == "__main__":
    if sys.argv[1:] == ["--system"]:
        sys.exit(0 if system_ffmpeg_will_do() else 1)
    print(ffmpeg_binary() or "")
