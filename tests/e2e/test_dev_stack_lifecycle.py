"""`make run` leaves nothing behind, however it ends, and says so in one line when it
cannot start.

Each stack runs on free ports (never 4566: another stack may be there). A leftover is
what a killed run's children would be on a machine without Linux's parent-death signal:
processes the run's record names, stopped by the next run.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from devstack.emulator import identify
from devstack.processes import ProcessId, port_in_use
from devstack.stack_state import StackAlreadyRunning, StackRecord, StackState
from tests.support.dev_stack import healthy, wait_for
from tests.support.network import free_port

pytestmark = pytest.mark.e2e
PREFIX = "reelstack-e2e-lifecycle"


@dataclass(frozen=True)
class Ports:
    emulator: int
    api: int
    web: int

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.emulator}"

    def all_free(self) -> bool:
        return not any(port_in_use("127.0.0.1", port)
                       for port in (self.emulator, self.api, self.web))


@pytest.fixture
def ports() -> Ports:
    return Ports(free_port(), free_port(), free_port())


def make_run(project_root: Path, ports: Ports, log: Path) -> subprocess.Popen[bytes]:
    """`make run` itself (its dependencies taken as installed: -o), in a session of its
    own as a terminal would hold it."""
    env = {**os.environ, "AWS_ENDPOINT_URL": ports.endpoint, "REELSTACK_PREFIX": PREFIX,
           "PYTHON": sys.executable}
    with open(log, "w") as output:
        return subprocess.Popen(
            ["make", "--no-print-directory", "-o", ".venv/.deps-installed",
             "-o", "web/node_modules/.package-lock.json", "run",
             f"RUN_ARGS=--port {ports.api} --web-port {ports.web} --ephemeral"],
            cwd=project_root, env=env, stdout=output, stderr=subprocess.STDOUT,
            start_new_session=True)


def wait_until_up(log: Path, make: subprocess.Popen[bytes]) -> None:
    wait_for(lambda: "Reelstack is up" in log.read_text() or make.poll() is not None,
             90, "the ready banner")
    assert "Reelstack is up" in log.read_text(), log.read_text()


def ctrl_c(make: subprocess.Popen[bytes]) -> None:
    """What a terminal does: SIGINT to the foreground process group."""
    os.killpg(make.pid, signal.SIGINT)
    make.wait(timeout=30)


def dev_stack_pid(make: subprocess.Popen[bytes]) -> int:
    """The `python -m devstack.run` under make."""
    children = Path(f"/proc/{make.pid}/task/{make.pid}/children").read_text().split()
    assert len(children) == 1, children
    return int(children[0])


@pytest.mark.skipif(sys.platform != "linux", reason="/proc and the parent-death signal")
@pytest.mark.parametrize("killed", ["make", "devstack.run"])
def test_kill_9_of_make_run_then_make_run_again_starts_cleanly(
        project_root: Path, tmp_path: Path, ports: Ports, killed: str) -> None:
    first = make_run(project_root, ports, tmp_path / "first.log")
    try:
        wait_until_up(tmp_path / "first.log", first)
        dev_stack = ProcessId.of(dev_stack_pid(first))
        assert dev_stack is not None
        os.kill(first.pid if killed == "make" else dev_stack.pid, signal.SIGKILL)
        wait_for(lambda: not dev_stack.running(), 30, "devstack.run to stop")
        wait_for(ports.all_free, 30, "the killed stack's processes to stop")
    finally:
        if first.poll() is None:
            ctrl_c(first)
    assert identify(ports.endpoint) is None

    second = make_run(project_root, ports, tmp_path / "second.log")
    try:
        wait_until_up(tmp_path / "second.log", second)
        assert healthy(f"http://127.0.0.1:{ports.api}/api/health/")
    finally:
        ctrl_c(second)
    # make answers Ctrl-C by dying of it, once its child has exited (not with Error 2).
    assert second.returncode == -signal.SIGINT, (tmp_path / "second.log").read_text()
    wait_for(ports.all_free, 30, "Ctrl-C to stop the stack")


@pytest.fixture
def busy(ports: Ports) -> Iterator[int]:
    """The API's port, taken by a listener that is not ours."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", ports.api))
        taken.listen()
        yield ports.api


def test_a_busy_port_is_a_one_line_error_and_a_non_zero_exit(
        project_root: Path, ports: Ports, busy: int) -> None:
    env = {**os.environ, "AWS_ENDPOINT_URL": ports.endpoint, "REELSTACK_PREFIX": PREFIX}
    run = subprocess.run(
        [sys.executable, "-m", "devstack.run", "--port", str(ports.api),
         "--web-port", str(ports.web)],
        cwd=project_root, env=env, capture_output=True, text=True, timeout=120, check=False)

    assert run.returncode != 0
    assert run.stdout == ""
    lines = run.stderr.splitlines()
    assert len(lines) == 1 and f"port {busy} on 127.0.0.1 is in use" in lines[0], run.stderr
    assert identify(ports.endpoint) is None  # nothing was started


@pytest.fixture
def state(tmp_path: Path) -> StackState:
    return StackState(tmp_path / "state")


def started(command: list[str]) -> tuple[subprocess.Popen[bytes], ProcessId]:
    process = subprocess.Popen(command, process_group=0)
    identity = ProcessId.of(process.pid)
    assert identity is not None
    return process, identity


def test_the_next_run_stops_what_a_killed_run_left_and_nothing_else(
        state: StackState) -> None:
    owner, owner_id = started(["sleep", "300"])
    owner.kill()
    owner.wait()
    child, child_id = started(["sleep", "300"])
    bystander, bystander_id = started(["sleep", "300"])
    try:
        # The bystander has the pid of a process the record names, started at another time.
        recycled = ProcessId(bystander_id.pid, "another start")
        state.save(StackRecord(owner_id, "http://127.0.0.1:1", [1], group=child.pid,
                               children=[child_id, recycled]))

        said = state.clear_leftovers([2])

        assert said == [f"stopped the stack a killed make run left (pid {owner_id.pid}): "
                        f"processes {child.pid}"]
        assert child.wait(timeout=10) == -signal.SIGTERM
        assert bystander.poll() is None
        assert state.records() == []
    finally:
        for process in (child, bystander):
            process.kill()
            process.wait()


def test_a_live_run_on_our_port_is_named_and_one_on_other_ports_left_alone(
        state: StackState) -> None:
    me = ProcessId.of(os.getpid())
    assert me is not None
    state.save(StackRecord(me, "http://127.0.0.1:8001", [8001, 8081]))

    assert state.clear_leftovers([8002, 8082]) == []
    with pytest.raises(StackAlreadyRunning, match=f"pid {os.getpid()}, API "
                                                  "http://127.0.0.1:8001"):
        state.clear_leftovers([8001])


def test_reset_stops_every_recorded_stack(state: StackState) -> None:
    owner, owner_id = started(["sleep", "300"])
    child, child_id = started(["sleep", "300"])
    try:
        state.save(StackRecord(owner_id, "http://127.0.0.1:1", [1], group=child.pid,
                               children=[child_id]))

        said = state.stop_all()

        assert len(said) == 1 and f"pid {owner_id.pid}" in said[0]
        assert owner.wait(timeout=30) == -signal.SIGTERM
        assert child.wait(timeout=10) == -signal.SIGTERM
        assert state.records() == []
    finally:
        for process in (owner, child):
            process.kill()
            process.wait()
