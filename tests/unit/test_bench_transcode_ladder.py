"""The transcode bench's repeated runs (bench/transcode_ladder.py): medians and the
ratio of each pair, with no ffmpeg."""

from __future__ import annotations

import pytest

from bench.transcode_ladder import Timing, median_timing, report_repeats


def test_the_median_of_each_measure_is_taken_on_its_own() -> None:
    timings = [Timing(wall=10.0, cpu=30.0), Timing(wall=40.0, cpu=20.0),
               Timing(wall=20.0, cpu=90.0)]

    assert median_timing(timings) == Timing(wall=20.0, cpu=30.0)


def test_each_run_of_ours_is_compared_with_the_usual_run_beside_it(
        capsys: pytest.CaptureFixture[str]) -> None:
    usual = [Timing(100.0, 300.0), Timing(100.0, 330.0), Timing(100.0, 240.0)]
    ours = [Timing(40.0, 100.0), Timing(40.0, 100.0), Timing(40.0, 120.0)]

    report_repeats(usual, ours)

    printed = capsys.readouterr().out
    assert "CPU ratio per pair: 3.00x, 3.30x, 2.00x; median 3.00x, spread 2.00-3.30x" in printed


def test_unpaired_runs_are_refused() -> None:
    with pytest.raises(ValueError):
        report_repeats([Timing(1.0, 1.0)], [])
