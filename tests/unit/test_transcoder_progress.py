"""ffmpeg's -progress output read into percents, and ffmpeg runs that fail, are killed or
overrun their time (played by small shell scripts standing in for ffmpeg)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "containers" / "transcoder"))

from transcoder.errors import TranscodeFailed, TranscodeTimedOut
from transcoder.ffmpeg_process import Deadline, run_ffmpeg
from transcoder.progress import ProgressReader, percent_done


def block(out_time_us: str, state: str = "continue") -> list[str]:
    """One -progress block as ffmpeg 9 prints it (fields the reader ignores trimmed)."""
    return ["frame=42\n", "fps=21.00\n", "bitrate=N/A\n", f"out_time_us={out_time_us}\n",
            f"out_time_ms={out_time_us}\n", "speed=1.9x\n", f"progress={state}\n"]


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_percent_done() -> None:
    assert percent_done(3_000_000, 6.0) == 50.0
    assert percent_done(1_234_567, 10.0) == 12.3
    assert percent_done(7_000_000, 6.0) == 100.0  # the last frame's end runs past
    assert percent_done(1_000_000, 0.0) == 0.0


def test_the_first_block_is_reported_at_once_then_every_interval() -> None:
    clock, reported = FakeClock(), list[float]()
    reader = ProgressReader(60.0, reported.append, interval=2.0, clock=clock)

    for seconds, out_time in [(0.0, "6000000"), (1.0, "12000000"), (2.5, "18000000"),
                              (3.0, "24000000"), (4.6, "30000000")]:
        clock.now = 100.0 + seconds
        for line in block(out_time):
            reader.feed(line)

    assert reported == [10.0, 30.0, 50.0]


def test_blocks_before_the_first_packet_are_not_reported() -> None:
    reported: list[float] = []
    reader = ProgressReader(10.0, reported.append, clock=FakeClock())

    for line in [*block("N/A"), *block("-9223372036854775807")]:
        reader.feed(line)

    assert reported == []


def test_the_end_block_counts_like_any_other() -> None:
    reported: list[float] = []
    reader = ProgressReader(10.0, reported.append, clock=FakeClock())

    for line in block("10000000", state="end"):
        reader.feed(line)

    assert reported == [100.0]


# --- running ffmpeg ----------------------------------------------------------------------

def shell(script: str) -> list[str]:
    return ["/bin/sh", "-c", script]


def test_a_clean_run_hands_over_its_output_lines() -> None:
    lines: list[str] = []

    run_ffmpeg(shell("echo out_time_us=1; echo progress=end"), Deadline(10), lines.append)

    assert lines == ["out_time_us=1\n", "progress=end\n"]


def test_a_failing_ffmpeg_says_what_it_said_last() -> None:
    script = "echo '[mov @ 0x1] moov atom not found' >&2; echo 'Conversion failed!' >&2; exit 3"

    with pytest.raises(TranscodeFailed, match=r"status 3: Conversion failed!") as raised:
        run_ffmpeg(shell(script), Deadline(10))

    assert raised.value.retryable


def test_a_killed_ffmpeg_is_a_retryable_failure() -> None:
    with pytest.raises(TranscodeFailed, match="killed by SIGKILL") as raised:
        run_ffmpeg(shell("kill -KILL $$"), Deadline(10))

    assert raised.value.retryable and raised.value.code == "transcode_failed"


def test_an_overrunning_ffmpeg_is_killed_at_the_deadline() -> None:
    started = time.monotonic()

    with pytest.raises(TranscodeTimedOut, match=r"timed out after 0.3 s") as raised:
        run_ffmpeg(shell("echo progress=continue; exec sleep 30"), Deadline(0.3), print)

    assert time.monotonic() - started < 5
    assert (raised.value.code, raised.value.retryable) == ("timeout", True)


def test_nothing_starts_once_the_time_is_up() -> None:
    deadline = Deadline(1.0, clock=iter([0.0, 5.0]).__next__)

    with pytest.raises(TranscodeTimedOut, match="after 1 s"):
        run_ffmpeg(["/nonexistent/ffmpeg"], deadline)


def test_a_missing_program_is_a_failure() -> None:
    with pytest.raises(TranscodeFailed, match="cannot run /nonexistent/ffmpeg"):
        run_ffmpeg(["/nonexistent/ffmpeg"], Deadline(10))


def test_ffmpeg_does_not_outlive_a_callback_that_raises(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"

    def explode(line: str) -> None:
        raise KeyError(line)

    with pytest.raises(KeyError):
        run_ffmpeg(shell(f"echo $$ > {pid_file}; echo progress=continue; exec sleep 30"),
                   Deadline(60), explode)

    assert not Path(f"/proc/{pid_file.read_text().strip()}").exists()
