"""`python -m transcoder run`'s arguments, parsed without running anything."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "containers" / "transcoder"))

from transcoder.cli import build_parser, run_transcode_job

REQUIRED = ["--source-bucket", "uploads", "--source-key", "videos/m-1/Trailer Final.mov",
            "--movie-id", "m-1", "--version", "v20260102T030405ab12",
            "--media-bucket", "media", "--events-queue-url", "http://127.0.0.1:4566/1/events",
            "--job-id", "0f3a.2"]


def test_the_run_command_takes_the_job_runner_arguments() -> None:
    args = build_parser().parse_args(["run", *REQUIRED])

    assert args.command is run_transcode_job
    assert (args.source_key, args.movie_id, args.version, args.job_id) == (
        "videos/m-1/Trailer Final.mov", "m-1", "v20260102T030405ab12", "0f3a.2")
    assert (args.timeout, args.work_dir) == (3600.0, None)


def test_timeout_and_work_dir_can_be_given(tmp_path: Path) -> None:
    args = build_parser().parse_args(["run", *REQUIRED, "--timeout", "90",
                                      "--work-dir", str(tmp_path)])

    assert (args.timeout, args.work_dir) == (90.0, tmp_path)


def test_a_read_rate_slows_the_source_only_when_given() -> None:
    assert build_parser().parse_args(["run", *REQUIRED]).read_rate is None
    assert build_parser().parse_args(["run", *REQUIRED, "--read-rate", "1.5"]).read_rate == 1.5


@pytest.mark.parametrize("rate", ["0", "-1", "fast", "inf", "nan"])
def test_a_read_rate_must_be_a_positive_number(
        rate: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(["run", *REQUIRED, "--read-rate", rate])

    assert exited.value.code == 2
    assert "is not a positive number" in capsys.readouterr().err


@pytest.mark.parametrize(("option", "value"), [
    ("--movie-id", "../m-2"), ("--movie-id", "m/1"), ("--version", ".."), ("--version", ""),
])
def test_ids_that_would_escape_the_version_prefix_are_refused(
    option: str, value: str, capsys: pytest.CaptureFixture[str],
) -> None:
    arguments = list(REQUIRED)
    arguments[arguments.index(option) + 1] = value

    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(["run", *arguments])

    assert exited.value.code == 2
    assert "cannot be part of an S3 key" in capsys.readouterr().err


def test_a_missing_argument_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["run", "--source-bucket", "uploads"])

    assert "--source-key" in capsys.readouterr().err
