"""The dev-stack load bench's arithmetic (bench/load_figures.py), with no stack."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bench.dev_stack_load import LoadConfig
from bench.load_figures import (
    GROWTH_TARGET_MB,
    HeartbeatBurst,
    MailRun,
    ModeFigures,
    Outcome,
    PhaseFigures,
    Sample,
    comparison,
    outcome_of,
    phase_figures,
    process_tree_rss_kib,
    ratio,
    target_lines,
    vm_rss_kib,
)


@pytest.mark.parametrize(("status", "outcome"), [
    (200, Outcome.OK), (201, Outcome.OK), (429, Outcome.THROTTLED), (404, Outcome.ERROR),
    (500, Outcome.ERROR), (302, Outcome.ERROR), (None, Outcome.ERROR),
])
def test_each_answer_is_ok_throttled_or_an_error(status: int | None, outcome: Outcome) -> None:
    assert outcome_of(status) is outcome


def test_a_phase_counts_requests_per_second_and_percentiles_per_kind() -> None:
    catalog = [Sample("catalog", n / 1000, Outcome.OK) for n in range(1, 101)]
    heartbeats = [Sample("heartbeat", 0.002, Outcome.OK)] * 47 + [
        Sample("heartbeat", 0.001, Outcome.THROTTLED)] * 2 + [
        Sample("heartbeat", 0.5, Outcome.ERROR)]

    figures = phase_figures(catalog + heartbeats, seconds=10)

    assert figures.requests == 150
    assert figures.per_second == 15
    assert (figures.errors, figures.throttled) == (1, 2)
    assert figures.kinds["catalog"].count == 100
    assert figures.kinds["catalog"].p50 == pytest.approx(0.0505)
    assert figures.kinds["catalog"].p99 == pytest.approx(0.100)
    assert figures.kinds["heartbeat"].p99 == 0.5
    assert (figures.kinds["heartbeat"].throttled, figures.kinds["heartbeat"].errors) == (2, 1)


def test_vm_rss_is_read_from_a_proc_status_text() -> None:
    status = "Name:\tpython\nVmPeak:\t  999 kB\nVmRSS:\t  215040 kB\nThreads:\t7\n"

    assert vm_rss_kib(status) == 215040
    assert vm_rss_kib("Name:\tzombie\nState:\tZ (zombie)\n") == 0


def _process(proc: Path, pid: int, parent: int, comm: str, rss_kib: int) -> None:
    folder = proc / str(pid)
    folder.mkdir()
    (folder / "stat").write_text(f"{pid} ({comm}) S {parent} {pid} {pid} 0 -1\n")
    (folder / "status").write_text(f"Name:\t{comm}\nVmRSS:\t{rss_kib} kB\n")


def test_the_emulator_s_memory_includes_its_descendants_only(tmp_path: Path) -> None:
    _process(tmp_path, 100, 1, "python", 200_000)
    _process(tmp_path, 101, 100, "a (helper) x", 30_000)  # a name with spaces and ')'
    _process(tmp_path, 102, 101, "grandchild", 5_000)
    _process(tmp_path, 200, 1, "someone else", 900_000)
    _process(tmp_path, 201, 200, "their child", 900_000)

    assert process_tree_rss_kib(100, proc=tmp_path) == 235_000
    assert process_tree_rss_kib(102, proc=tmp_path) == 5_000


def _phase(per_second: float, errors: int = 0) -> PhaseFigures:
    samples = [Sample("catalog", 0.01, Outcome.OK)] * int(per_second * 10) + [
        Sample("heartbeat", 0.02, Outcome.ERROR)] * errors
    return phase_figures(samples, seconds=10)


def _mode(name: str, fresh: PhaseFigures, loaded: PhaseFigures,
          rss_mb: tuple[int, int] | None = (200, 210)) -> ModeFigures:
    rss = None if rss_mb is None else (rss_mb[0] * 1024, rss_mb[1] * 1024)
    return ModeFigures(name, fresh, loaded, HeartbeatBurst(10_000, 10_000, 50.0, 0), rss,
                       (MailRun(0.3), MailRun(0.4)))


def test_growth_and_slowdown_compare_after_with_before() -> None:
    mode = _mode("current", _phase(200), _phase(150), rss_mb=(210, 290))

    assert mode.growth_mb == 80
    assert mode.slowdown == 0.75
    assert _mode("moto elsewhere", _phase(1), _phase(1), rss_mb=None).growth_mb is None
    assert ratio(3, 0) == float("inf")


def test_every_target_is_met_when_the_figures_are() -> None:
    baseline = _mode("baseline", _phase(50), _phase(20), rss_mb=(200, 900))
    current = _mode("current", _phase(150), _phase(140), rss_mb=(200, 200 + 49))

    lines = target_lines(baseline, current)

    assert len(lines) == 4
    assert all(line.startswith("  [met]") for line in lines), lines


@pytest.mark.parametrize(("current", "missed"), [
    (_mode("current", _phase(149), _phase(149)), "requests/s 2.98x"),
    (_mode("current", _phase(150, errors=1), _phase(150)), "errors 1"),
    (_mode("current", _phase(150), _phase(130)), "0.87x the requests/s"),
    (_mode("current", _phase(150), _phase(150), rss_mb=(200, 200 + int(GROWTH_TARGET_MB))),
     "emulator growth 50.0 MB"),
    (_mode("current", _phase(150), _phase(150), rss_mb=None), "emulator growth unknown"),
    (replace(_mode("current", _phase(150), _phase(150)),
             extra=HeartbeatBurst(10_000, 7_000, 90.0, 0)), "after only 7000 of 10000"),
])
def test_a_target_missed_is_named(current: ModeFigures, missed: str) -> None:
    baseline = _mode("baseline", _phase(50), _phase(50))

    lines = target_lines(baseline, current)

    assert [line for line in lines if line.startswith("  [MISSED]")] == [
        line for line in lines if missed in line]
    assert any(missed in line for line in lines), lines


def test_the_table_sets_both_modes_side_by_side_with_ratios() -> None:
    baseline = _mode("baseline", _phase(50), _phase(25))
    played = phase_figures([Sample("catalog", 0.01, Outcome.OK)] * 1000
                           + [Sample("heartbeat", 0.02, Outcome.OK)] * 500, seconds=10)
    current = ModeFigures("current", played, played, HeartbeatBurst(10_000, 10_000, 25.0, 0),
                          (200 * 1024, 201 * 1024), (MailRun(0.2), MailRun(5.1, failed=True)))

    table = comparison(baseline, current).splitlines()

    def row(label: str) -> list[str]:
        return next(line for line in table if line.strip().startswith(label)).split()

    assert row("fresh: requests/s")[-3:] == ["50.0", "150.0", "3.00x"]
    assert row("slowdown")[-3:] == ["0.50", "1.00", "2.00x"]
    assert row("extra heartbeats/s")[-3:] == ["200", "400", "2.00x"]
    assert row("after +10000: requests/s")[-3:] == ["25.0", "150.0", "6.00x"]
    assert row("fresh: heartbeat p50 ms")[-2:] == ["-", "20.0"]  # baseline had none
    assert row("make mail before s")[-3:] == ["0.30", "0.20", "0.67x"]
    assert row("make mail after s")[-3:] == ["0.40", "failed", "5.1"]  # no ratio


def test_quick_shrinks_every_dimension_of_the_run() -> None:
    full, quick = LoadConfig(), LoadConfig.quick()

    assert (full.clients, full.seconds, full.extra_heartbeats) == (50, 60, 10_000)
    assert quick.clients < full.clients
    assert quick.seconds < full.seconds
    assert quick.extra_heartbeats < full.extra_heartbeats
    assert quick.extra_seconds_cap < full.extra_seconds_cap
