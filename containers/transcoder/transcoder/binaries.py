"""Where ffmpeg and ffprobe are: configured, on PATH, or (ffmpeg only) in imageio-ffmpeg."""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass

from transcoder import envvars
from transcoder.errors import MediaToolMissing

logger = logging.getLogger(__name__)


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
    found = shutil.which("ffmpeg", path=_search_path(environ)) or _imageio_ffmpeg()
    if found is None:
        raise MediaToolMissing(
            f"no ffmpeg: set {envvars.FFMPEG}, put ffmpeg on PATH or install imageio-ffmpeg"
        )
    return found


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
