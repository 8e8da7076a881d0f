"""Where ffmpeg and ffprobe are: configured, on PATH, or (ffmpeg only) in imageio-ffmpeg.

A configured ffmpeg is taken as it is. One found on PATH must be at least MIN_FFMPEG, the
oldest release the transcoder's tests pass on (the image ships 9.0, docs/deploy.md): older
ones read our command lines differently (5.1 refuses `-enc_time_base filter`, which chunks
need; 7.1 ignores `-max_error_rate`, so a damaged source would be published). Then the
imageio-ffmpeg wheel's, the image's own binary, is taken instead.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass

from transcoder import envvars
from transcoder.errors import MediaToolMissing

logger = logging.getLogger(__name__)

MIN_FFMPEG = (9, 0)
# "ffmpeg version 9.0.2-...", "n9.0.2-17-g...", "7.1.5-0+deb13u1"; git builds ("N-12345-g...")
# name no release and are taken as new.
_RELEASE = re.compile(r"^ffmpeg version n?(?P<major>\d+)\.(?P<minor>\d+)")


@dataclass(frozen=True)
class MediaTools:
    ffmpeg: str
    ffprobe: str | None  # None: the probe falls back to parsing ffmpeg's banner


def find_media_tools(environ: Mapping[str, str] | None = None) -> MediaTools:
    env = os.environ if environ is None else environ
    return MediaTools(ffmpeg=find_ffmpeg(env), ffprobe=find_ffprobe(env))


def find_ffmpeg(environ: Mapping[str, str]) -> str:
    configured = environ.get(envvars.FFMPEG)
    if configured:
        return _executable(configured, envvars.FFMPEG, environ)
    system = shutil.which("ffmpeg", path=_search_path(environ))
    if system is not None and not recent_enough(system):
        bundled = _imageio_ffmpeg()
        logger.warning("%s is older than ffmpeg %d.%d; using %s", system, *MIN_FFMPEG,
                       bundled or "it anyway (no imageio-ffmpeg)")
        system = None if bundled else system
    found = system or _imageio_ffmpeg()
    if found is None:
        raise MediaToolMissing(
            f"no ffmpeg: set {envvars.FFMPEG}, put ffmpeg on PATH or install imageio-ffmpeg"
        )
    return found


def recent_enough(ffmpeg: str) -> bool:
    """Whether `ffmpeg -version` names a release at least MIN_FFMPEG (or none: a git build)."""
    banner = tool_output(ffmpeg, "-version") or ""
    release = _RELEASE.match(banner)
    if release is None:
        return banner.startswith("ffmpeg version")
    return (int(release["major"]), int(release["minor"])) >= MIN_FFMPEG


@functools.lru_cache(maxsize=16)
def tool_output(program: str, *arguments: str) -> str | None:
    """What ffmpeg (or ffprobe) prints given `arguments`, asked once per process; None when
    it does not run or fails."""
    try:
        done = subprocess.run([program, "-hide_banner", "-nostdin", *arguments], check=True,
                              capture_output=True, text=True, timeout=30,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout


def find_ffprobe(environ: Mapping[str, str]) -> str | None:
    if envvars.FFPROBE in environ:
        configured = environ[envvars.FFPROBE]
        return _executable(configured, envvars.FFPROBE, environ) if configured else None
    return shutil.which("ffprobe", path=_search_path(environ))


def _executable(configured: str, variable: str, environ: Mapping[str, str]) -> str:
    found = shutil.which(configured, path=_search_path(environ))
    if found is None:
        raise MediaToolMissing(f"{variable}={configured!r} is not an executable")
    return found


def _search_path(environ: Mapping[str, str]) -> str:
    # An explicit mapping must not fall back to this process's PATH, or tests could not
    # describe a machine without ffmpeg.
    return environ.get("PATH", os.defpath)


def _imageio_ffmpeg() -> str | None:
    try:
        import imageio_ffmpeg
    except ImportError:
        return None
    try:
        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except RuntimeError as error:  # the wheel has no binary for this platform
        logger.warning("imageio-ffmpeg has no ffmpeg here: %s", error)
        return None
