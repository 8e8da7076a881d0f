"""The work of one task of a chunked transcode: a chunk's picture through the ladder, or the
whole source's sound. Each writes HLS into a folder of its own; stitch.py joins them."""

from __future__ import annotations

import logging
import subprocess
from collections.abc import Sequence
from pathlib import Path

from transcoder.audio_tracks import AudioPlan
from transcoder.banner import last_message
from transcoder.binaries import MediaTools, find_media_tools
from transcoder.child_process import dies_with_parent
from transcoder.chunk_command import (
    audio_command,
    muxer_shift_command,
    parse_muxer_shift,
    source_input,
    video_chunk_command,
)
from transcoder.chunks import Chunk
from transcoder.errors import SourceCorrupt, TranscodeFailed
from transcoder.ffmpeg_command import DEFAULT_SETTINGS, EncoderSettings, fitted_to
from transcoder.ffmpeg_process import Deadline, run_ffmpeg
from transcoder.ladder import RenditionLadder
from transcoder.progress import ProgressCallback, ProgressReader
from transcoder.source_integrity import require_whole_source

logger = logging.getLogger(__name__)

SHIFT_PROBE_TIMEOUT_SECONDS = 60.0


def measure_muxer_shift(frame_rate: float, settings: EncoderSettings = DEFAULT_SETTINGS,
                        tools: MediaTools | None = None) -> float:
    """The shift the one-pass muxer gives every stream at this frame rate and with these
    encoder settings (chunk_command.parse_muxer_shift); TranscodeFailed when ffmpeg fails."""
    tools = tools or find_media_tools()
    command = muxer_shift_command(tools.ffmpeg, frame_rate, settings)
    try:
        done = subprocess.run(command, capture_output=True, text=True, errors="replace",
                              stdin=subprocess.DEVNULL, timeout=SHIFT_PROBE_TIMEOUT_SECONDS,
                              check=False, preexec_fn=dies_with_parent())
    except (OSError, subprocess.TimeoutExpired) as error:
        raise TranscodeFailed(f"cannot measure the encoders' delay: {error}") from error
    if done.returncode != 0:
        raise TranscodeFailed(f"cannot measure the encoders' delay: {last_message(done.stderr)}")
    try:
        return parse_muxer_shift(done.stdout)
    except ValueError as error:
        raise TranscodeFailed(f"cannot measure the encoders' delay: {error}") from error


def encode_video_chunk(
    source: str | Path,
    ladder: RenditionLadder,
    chunk: Chunk,
    output_dir: Path,
    *,
    source_seconds: float,
    shift_seconds: float,
    on_progress: ProgressCallback,
    timeout_seconds: float,
    threads: int = 0,
    read_rate: float | None = None,
    settings: EncoderSettings = DEFAULT_SETTINGS,
    tools: MediaTools | None = None,
) -> None:
    """Encode `chunk` of `source` (a path or an http(s) URL) into `output_dir/<rung>/`,
    reading it at `read_rate` x real time when given (tests, demos).

    SourceCorrupt (not retryable) when its range decodes with errors, SourceTruncated when
    the source ends inside it; TranscodeFailed (retryable) when ffmpeg fails or is killed.
    """
    tools = tools or find_media_tools()
    _empty_folder(output_dir)
    command = video_chunk_command(tools.ffmpeg, source_input(source), ladder, chunk,
                                  output_dir, settings=fitted_to(tools.ffmpeg, settings),
                                  source_seconds=source_seconds,
                                  shift_seconds=shift_seconds,
                                  threads=threads, read_rate=read_rate)
    logger.info("encoding %s", chunk.label)
    _run_whole(command, chunk.seconds(source_seconds), Deadline(timeout_seconds), on_progress)


def encode_audio(
    source: str | Path,
    ladder: RenditionLadder,
    output_dir: Path,
    *,
    source_seconds: float,
    shift_seconds: float,
    on_progress: ProgressCallback,
    timeout_seconds: float,
    read_rate: float | None = None,
    settings: EncoderSettings = DEFAULT_SETTINGS,
    tools: MediaTools | None = None,
    audio: Sequence[AudioPlan] | None = None,
) -> None:
    """Encode the whole source's first audio stream (or every rendition of `audio`), once,
    into `output_dir/audio/` (and their folders): AAC encoded in pieces would start each
    piece with its own priming and drift."""
    tools = tools or find_media_tools()
    _empty_folder(output_dir)
    command = audio_command(tools.ffmpeg, source_input(source), ladder, output_dir,
                            settings=settings, shift_seconds=shift_seconds,
                            read_rate=read_rate, audio=audio)
    _run_whole(command, source_seconds, Deadline(timeout_seconds), on_progress)


def _run_whole(command: list[str], seconds: float, deadline: Deadline,
               on_progress: ProgressCallback) -> None:
    """Run `command` and make sure it got through all `seconds` it was given: a range the
    source does not hold (cut short) or that decodes with errors fails here."""
    progress = ProgressReader(seconds, on_progress)
    decode_errors = None
    try:
        run_ffmpeg(command, deadline, progress.feed)
    except SourceCorrupt as error:
        decode_errors = error
    require_whole_source(seconds, progress.reached_seconds, decode_errors)
    on_progress(100.0)


def _empty_folder(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    if any(folder.iterdir()):
        raise ValueError(f"{folder} is not empty: a retry must start from an empty folder")
