"""Probing a source file: ffprobe's JSON when ffprobe is there, else ffmpeg's banner."""

from __future__ import annotations

import logging
import subprocess
from pathlib import Path

from transcoder.banner import last_message, parse_ffmpeg_banner
from transcoder.binaries import MediaTools, find_media_tools
from transcoder.child_process import dies_with_parent
from transcoder.errors import NotAVideo, ProbeFailed, SourceMissing
from transcoder.ffprobe import parse_ffprobe_json
from transcoder.source import SourceInfo

logger = logging.getLogger(__name__)

# Probing reads little more than headers: taking longer means a stuck tool or disk, not a
# bad upload, so it is a ProbeFailed (retry) rather than NotAVideo.
PROBE_TIMEOUT_SECONDS = 60.0


def probe_source(path: Path, tools: MediaTools | None = None) -> SourceInfo:
    """Describe the video at `path`; NotAVideo when it is none, SourceMissing when absent."""
    size_bytes = _size_of(path)  # before looking for tools: a bad path needs none to tell
    tools = tools or find_media_tools()
    # "file:" keeps a name like "-x.mp4" or "concat:a|b" from reading as an option or a protocol.
    source = f"file:{path.absolute()}"
    if tools.ffprobe:
        logger.debug("probing %s with %s", path, tools.ffprobe)
        probed = _run([tools.ffprobe, "-v", "error", "-print_format", "json",
                       "-show_format", "-show_streams", source])
        if probed.returncode != 0:
            raise NotAVideo(f"ffprobe cannot read it ({last_message(probed.stderr)})")
        return parse_ffprobe_json(probed.stdout, size_bytes)
    logger.debug("probing %s with %s (no ffprobe)", path, tools.ffmpeg)
    # Without an output ffmpeg exits 1 after describing the input: the exit status says nothing.
    banner = _run([tools.ffmpeg, "-hide_banner", "-nostdin", "-i", source])
    return parse_ffmpeg_banner(banner.stderr, size_bytes)


def _size_of(path: Path) -> int:
    try:
        status = path.stat()
    except FileNotFoundError as error:
        raise SourceMissing(f"no such file: {path}") from error
    except OSError as error:
        raise ProbeFailed(f"cannot read {path}: {error.strerror}") from error
    if not path.is_file():
        raise NotAVideo("not a regular file")
    if status.st_size == 0:
        raise NotAVideo("empty file")
    return status.st_size


def _run(command: list[str]) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            command, capture_output=True, text=True, errors="replace",
            stdin=subprocess.DEVNULL, timeout=PROBE_TIMEOUT_SECONDS, check=False,
            preexec_fn=dies_with_parent(),  # two system calls, no lock: safe with threads
        )
    except subprocess.TimeoutExpired as error:
        raise ProbeFailed(f"{command[0]} took over {PROBE_TIMEOUT_SECONDS:.0f} s") from error
    except OSError as error:
        raise ProbeFailed(f"cannot run {command[0]}: {error}") from error
