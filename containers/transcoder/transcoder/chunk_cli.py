"""The command line of one chunked-transcode task, what a fleet task (or a local process)
runs: `python -m transcoder.chunk_cli chunk-video ...` or `... chunk-audio ...`.

It prints one JSON object a line on stdout, `{"progress": percent}` as it goes, and on
failure `{"error": code, "reason": ..., "retryable": bool}` on stderr; it exits 0 when
done, 1 when a retry may help, 2 when the source itself is at fault. `add_commands` lets
`python -m transcoder` offer the same commands.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType
from typing import Any

from transcoder.chunk_audio import audio_plans_from_json
from transcoder.chunk_encode import encode_audio, encode_video_chunk, measure_muxer_shift
from transcoder.chunks import Chunk
from transcoder.errors import JobInterrupted, TranscoderError
from transcoder.ladder import RenditionLadder, Rung

EXIT_RETRYABLE = 1
EXIT_SOURCE_FAULT = 2
DEFAULT_TIMEOUT_SECONDS = 3600.0


def ladder_to_json(ladder: RenditionLadder) -> str:
    return json.dumps({"rungs": [vars(rung) for rung in ladder.rungs],
                       "frame_rate": ladder.frame_rate, "audio": ladder.audio,
                       "source_frame_rate": ladder.source_frame_rate})


def ladder_from_json(text: str) -> RenditionLadder:
    try:
        given: dict[str, Any] = json.loads(text)
        return RenditionLadder(rungs=tuple(Rung(**rung) for rung in given["rungs"]),
                               frame_rate=float(given["frame_rate"]),
                               audio=bool(given["audio"]),
                               source_frame_rate=given.get("source_frame_rate"))
    except (ValueError, KeyError, TypeError) as error:
        raise argparse.ArgumentTypeError(f"not a rendition ladder: {error}") from error


def chunk_to_json(chunk: Chunk) -> str:
    return json.dumps(vars(chunk))


def chunk_from_json(text: str) -> Chunk:
    try:
        return Chunk(**json.loads(text))
    except (ValueError, TypeError) as error:
        raise argparse.ArgumentTypeError(f"not a chunk: {error}") from error


def add_commands(commands: Any) -> None:
    """Register chunk-video and chunk-audio on an argparse sub-parsers object."""
    video = commands.add_parser("chunk-video", help="encode one chunk's picture through the "
                                                    "ladder into HLS (chunked transcode)")
    video.add_argument("--chunk", required=True, type=chunk_from_json, help="chunk JSON")
    video.add_argument("--threads", type=int, default=0, help="thread budget (0: ffmpeg's)")
    _common_arguments(video)
    video.set_defaults(command=run_video_chunk)
    audio = commands.add_parser("chunk-audio", help="encode the whole source's audio once "
                                                    "into HLS (chunked transcode)")
    _common_arguments(audio)
    audio.add_argument("--audio", type=audio_plans_from_json, default=None,
                       help="the renditions as JSON (chunk_audio.py; default: the first "
                            "stream, stereo)")
    audio.set_defaults(command=run_audio)


def _common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--source", required=True, help="a file or an http(s) URL")
    parser.add_argument("--ladder", required=True, type=ladder_from_json, help="ladder JSON")
    parser.add_argument("--source-seconds", required=True, type=float,
                        help="the source's duration, as probed")
    parser.add_argument("--output-dir", required=True, type=Path, help="an empty folder")
    parser.add_argument("--shift", type=float, default=None,
                        help="the one-pass muxer's shift in seconds (default: measured)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_SECONDS,
                        help="seconds the task may take (default %(default)g)")


def run_video_chunk(args: argparse.Namespace) -> int:
    ladder: RenditionLadder = args.ladder
    return _reporting(lambda report: encode_video_chunk(
        args.source, ladder, args.chunk, args.output_dir, source_seconds=args.source_seconds,
        shift_seconds=_shift(args, ladder.frame_rate), on_progress=report,
        timeout_seconds=args.timeout, threads=args.threads))


def run_audio(args: argparse.Namespace) -> int:
    ladder: RenditionLadder = args.ladder
    return _reporting(lambda report: encode_audio(
        args.source, ladder, args.output_dir, source_seconds=args.source_seconds,
        shift_seconds=_shift(args, ladder.frame_rate), on_progress=report,
        timeout_seconds=args.timeout, audio=args.audio))


def _shift(args: argparse.Namespace, frame_rate: float) -> float:
    return float(args.shift) if args.shift is not None else measure_muxer_shift(frame_rate)


def _reporting(work: Callable[[Callable[[float], None]], None]) -> int:
    # A stopped task gets SIGTERM: as an exception, it kills ffmpeg on its way out.
    signal.signal(signal.SIGTERM, _interrupt)

    def report(percent: float) -> None:
        print(json.dumps({"progress": percent}), flush=True)

    try:
        work(report)
    except TranscoderError as error:
        print(json.dumps({"error": error.code, "reason": error.reason,
                          "retryable": error.retryable}), file=sys.stderr, flush=True)
        return EXIT_RETRYABLE if error.retryable else EXIT_SOURCE_FAULT
    return 0


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise JobInterrupted(f"stopped by {signal.Signals(signum).name}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m transcoder.chunk_cli",
                                     description="One task of a chunked transcode.")
    add_commands(parser.add_subparsers(title="commands", required=True, metavar="COMMAND"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command: Callable[[argparse.Namespace], int] = args.command
    return command(args)


if __name__ == "__main__":
    sys.exit(main())
