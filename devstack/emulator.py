"""Find or start the AWS emulator: moto's server by default, or a LocalStack already up."""

from __future__ import annotations

import logging
import subprocess
import sys
import time
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from urllib.parse import urlparse

import requests

from devstack.processes import ChildGroup

logger = logging.getLogger(__name__)

# A stopping emulator writes its last snapshot (devstack/moto_persistence.py) after its
# server has let the requests in flight finish: seconds on a busy machine. Killing it
# sooner loses what changed since the snapshot before (a restart that lost the account
# made just before Ctrl-C was seen under a loaded test run), so it gets this long.
STOP_GRACE_SECONDS = 30


class EmulatorKind(Enum):
    MOTO = "moto"
    LOCALSTACK = "localstack"
    UNKNOWN = "unknown"


@dataclass
class Emulator:
    endpoint: str
    kind: EmulatorKind
    process: subprocess.Popen[bytes] | None = None  # set when we started it

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                logger.warning("the emulator did not stop within %d s: killed, so what changed "
                               "since its last snapshot is lost", STOP_GRACE_SECONDS)
                self.process.kill()
                self.process.wait()

    def reset(self) -> None:
        """Forget every resource (moto only; LocalStack keeps state)."""
        if self.kind is EmulatorKind.MOTO:
            requests.post(f"{self.endpoint}/moto-api/reset", timeout=10).raise_for_status()


def identify(endpoint: str, timeout: float = 1.0) -> EmulatorKind | None:
    """What answers at `endpoint`, or None when nothing does."""
    try:
        health = requests.get(f"{endpoint}/_localstack/health", timeout=timeout)
        if health.ok and "services" in health.json():
            return EmulatorKind.LOCALSTACK
    except requests.ConnectionError:
        return None
    except (requests.RequestException, ValueError):
        pass
    try:
        # moto's config: a few bytes, where data.json grows with everything moto holds.
        moto = requests.get(f"{endpoint}/moto-api/config", timeout=timeout)
        return EmulatorKind.MOTO if moto.ok else EmulatorKind.UNKNOWN
    except requests.RequestException:
        return EmulatorKind.UNKNOWN


def start_moto(endpoint: str, log_path: Path | None = None, timeout: float = 30,
               group: ChildGroup | None = None, state_dir: Path | None = None) -> Emulator:
    """Start moto's server (devstack/moto_server.py) on the endpoint's host and port and
    wait until it answers; in `group` (make run's children) when one is given. With
    `state_dir` it restores that folder's state first and keeps it there as it runs
    (devstack/moto_persistence.py); without, it starts and stays in memory only."""
    address = urlparse(endpoint)
    host, port = address.hostname or "127.0.0.1", address.port or 4566
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115
    # Ctrl-C goes to the dev stack (not to a group of our own), which stops us in order;
    # a killed dev stack takes us with it.
    process = (group or ChildGroup()).popen(
        [sys.executable, "-m", "devstack.moto_server", "-H", host, "-p", str(port),
         *(["--state-dir", str(state_dir)] if state_dir is not None else [])],
        cwd=Path(__file__).resolve().parent.parent, output=log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"moto_server exited with {process.returncode}; see {log_path}")
        if identify(endpoint, timeout=0.5) is EmulatorKind.MOTO:
            return Emulator(endpoint, EmulatorKind.MOTO, process)
        time.sleep(0.1)
    process.kill()
    process.wait()
    raise RuntimeError(f"moto_server did not answer on {endpoint} within {timeout} s")


def find_or_start(endpoint: str, log_path: Path | None = None,
                  group: ChildGroup | None = None, state_dir: Path | None = None) -> Emulator:
    """Use whatever emulator answers at `endpoint`; start moto's server if none does
    (keeping its state in `state_dir` when one is given)."""
    kind = identify(endpoint)
    if kind is None:
        logger.info("no emulator on %s: starting moto's server", endpoint)
        return start_moto(endpoint, log_path, group=group, state_dir=state_dir)
    if kind is EmulatorKind.UNKNOWN:
        logger.warning("%s answers but is neither moto nor LocalStack; using it anyway", endpoint)
    return Emulator(endpoint, kind)
