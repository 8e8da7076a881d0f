"""The command line: `python -m transcoder probe PATH`; the whole job (`run`) joins later."""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from transcoder import envvars
from transcoder.errors import NotAVideo, TranscoderError
from transcoder.probe import probe_source

# 2 tells the job's caller the upload itself is bad (mark it failed, do not retry);
# 1 is any other failure, which a retry may cure.
EXIT_NOT_A_VIDEO = 2
EXIT_FAILURE = 1

Command = Callable[[argparse.Namespace], int]


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command: Command = args.command
    try:
        return command(args)
    except TranscoderError as error:
        print(json.dumps({"error": error.code, "reason": str(error)}), file=sys.stderr)
        return EXIT_NOT_A_VIDEO if isinstance(error, NotAVideo) else EXIT_FAILURE


def configure_logging() -> None:
    """For a process of its own only: stderr carries the logs beside the error JSON."""
    logging.basicConfig(level=os.environ.get(envvars.LOG_LEVEL, "WARNING"), stream=sys.stderr)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m transcoder",
                                     description="Reelstack's video transcoder.")
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")
    probe = commands.add_parser("probe", help="describe a source video as JSON")
    probe.add_argument("path", type=Path, help="the source file")
    probe.set_defaults(command=run_probe)
    return parser


def run_probe(args: argparse.Namespace) -> int:
    info = probe_source(args.path)
    print(json.dumps(dataclasses.asdict(info), indent=2))
    return 0
