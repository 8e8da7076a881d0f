"""Where ffmpeg is: the system's if on PATH, else the one the imageio-ffmpeg wheel ships."""

from __future__ import annotations

import shutil


def ffmpeg_binary() -> str | None:
    system = shutil.which("ffmpeg")
    if system:
        return system
    try:
        import imageio_ffmpeg
    except ImportError:
        return None
    return str(imageio_ffmpeg.get_ffmpeg_exe())


if __name__ == "__main__":
    print(ffmpeg_binary() or "")
