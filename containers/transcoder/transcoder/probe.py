"""Probing a source, a file or a URL: ffprobe's JSON when ffprobe is there, else ffmpeg's
banner."""

from __future__ import annotations

import logging
import subprocess
from pathlib import Path

from transcoder.audio_tracks import SourceTracks, tracks_from_banner
from transcoder.banner import last_message, parse_ffmpeg_banner
from transcoder.binaries import MediaTools, find_media_tools
from transcoder.child_process import dies_with_parent
from transcoder.errors import NotAVideo, ProbeFailed, SourceMissing
from transcoder.ffprobe import parse_ffprobe_json, parse_ffprobe_tracks
from transcoder.source import SourceInfo, SourceInput

logger = logging.getLogger(__name__)

# Probing reads little more than headers: taking longer means a stuck tool or disk, not a
# bad upload, so it is a ProbeFailed (retry) rather than NotAVideo.
PROBE_TIMEOUT_SECONDS = 60.0
# What ffmpeg says when a URL's server, not the file behind it, is the trouble: the
# source may be fine, so these are SourceMissing (retry), not NotAVideo.
_NETWORK_TROUBLE = ("Server returned", "Connection refused", "Connection timed out",
                    "Connection reset", "Network is unreachable", "Failed to resolve")


def probe_source(source: Path | SourceInput, tools: MediaTools | None = None) -> SourceInfo:
    """Describe the video at `source`; NotAVideo when it is none, SourceMissing when absent."""
    return probe_source_tracks(source, tools)[0]


def probe_source_tracks(source: Path | SourceInput,
                        tools: MediaTools | None = None) -> tuple[SourceInfo, SourceTracks]:
    """probe_source, with the source's audio and subtitle streams, from the same probe."""
    # Before looking for tools: a bad path needs none to tell.
    source = source if isinstance(source, SourceInput) else local_input(source)
    tools = tools or find_media_tools()
    if tools.ffprobe:
        logger.debug("probing %s with %s", source.name, tools.ffprobe)
        probed = _run([tools.ffprobe, "-v", "error", "-print_format", "json",
                       "-show_format", "-show_streams", source.location])
        if probed.returncode != 0:
            raise _unreadable(source, "ffprobe", last_message(probed.stderr))
        return (parse_ffprobe_json(probed.stdout, source.size_bytes),
                parse_ffprobe_tracks(probed.stdout))
    logger.debug("probing %s with %s (no ffprobe)", source.name, tools.ffmpeg)
    # Without an output ffmpeg exits 1 after describing the input: the exit status says nothing.
    banner = _run([tools.ffmpeg, "-hide_banner", "-nostdin", "-i", source.location])
    if source.remote and "Input #0" not in banner.stderr:
        raise _unreadable(source, "ffmpeg", last_message(banner.stderr))
    return parse_ffmpeg_banner(banner.stderr, source.size_bytes), tracks_from_banner(banner.stderr)


def local_input(path: Path) -> SourceInput:
    """A local file as ffmpeg's input; SourceMissing when absent, NotAVideo when empty."""
    # "file:" keeps a name like "-x.mp4" or "concat:a|b" from reading as an option or a protocol.
    return SourceInput(f"file:{path.absolute()}", _size_of(path), path.name)


def _unreadable(source: SourceInput, tool: str, said: str) -> NotAVideo | SourceMissing:
    if source.remote and any(trouble in said for trouble in _NETWORK_TROUBLE):
        return SourceMissing(f"cannot read {source.name}: {said}")
    return NotAVideo(f"{tool} cannot read it ({said})")


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
