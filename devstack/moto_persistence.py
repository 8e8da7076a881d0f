"""moto's server keeping its state in a folder across restarts (`--state-dir DIR`).

On start the last snapshot is restored before the server listens; then a snapshot is
written every SNAPSHOT_EVERY seconds when a request may have changed something (any
method but GET/HEAD/OPTIONS), and once more when the server stops (SIGTERM, Ctrl-C). A
kill -9 loses at most the last few seconds; the file format is `devstack.moto_state_file`.

A snapshot must not see a request half-done (a transaction's items, an object without
its notification), so requests pass a gate they share and a snapshot holds alone for
the few milliseconds its pickle takes; the file is written after the gate opens again,
and new S3 bodies are written before it closes.
An SQS long poll steps out of the gate while it waits for messages: it changes nothing
meanwhile, and the dispatcher always has one waiting.

Without `--state-dir` none of this is installed: test sessions and e2e stacks run on
free ports with state of their own and never share `make run`'s folder; a second
emulator given a folder in use is refused in one line.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from moto.sqs.models import Queue

from devstack.moto_state_file import (
    BODIES_NAME,
    BodyStore,
    SnapshotRefused,
    StateFolder,
    apply,
    s3_objects_now,
)

logger = logging.getLogger(__name__)

SNAPSHOT_EVERY = 2.0
READ_ONLY_METHODS = {"GET", "HEAD", "OPTIONS"}


class SnapshotGate:
    """Requests share it; a snapshot holds it alone. A waiting snapshot keeps new requests
    out, so a steady stream of them cannot starve it."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._inside = 0
        self._snapshot_waiting = False
        self._requests = threading.local()

    @contextlib.contextmanager
    def request(self) -> Iterator[None]:
        self._enter()
        self._requests.depth = getattr(self._requests, "depth", 0) + 1
        try:
            yield
        finally:
            self._requests.depth -= 1
            self._leave()

    @contextlib.contextmanager
    def stepped_out(self) -> Iterator[None]:
        """Inside a request: let snapshots through while this request only waits."""
        inside = getattr(self._requests, "depth", 0) > 0
        if inside:
            self._leave()
        try:
            yield
        finally:
            if inside:
                self._enter()

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._changed:
            self._changed.wait_for(lambda: not self._snapshot_waiting)
            self._snapshot_waiting = True
            self._changed.wait_for(lambda: self._inside == 0)
        try:
            yield
        finally:
            with self._changed:
                self._snapshot_waiting = False
                self._changed.notify_all()

    def _enter(self) -> None:
        with self._changed:
            self._changed.wait_for(lambda: not self._snapshot_waiting)
            self._inside += 1

    def _leave(self) -> None:
        with self._changed:
            self._inside -= 1
            self._changed.notify_all()


class Persistence:
    """The state folder of one running emulator: restore, snapshots, the last one."""

    def __init__(self, folder: Path) -> None:
        self.folder = StateFolder(folder)
        self.gate = SnapshotGate()
        self.dirty = False
        self._one_snapshot_at_a_time = threading.RLock()  # the ticker holds it too
        self._stopped = threading.Event()
        self._ticker = threading.Thread(target=self._every_few_seconds, daemon=True,
                                        name="moto-snapshots")
        self._folder_lock: IO[bytes] | None = None

    def restore(self) -> None:
        """Load the last snapshot, or start empty with a warning when it cannot be."""
        self._claim_folder()
        try:
            backends = self.folder.read()
        except SnapshotRefused as refused:
            self.folder.set_aside(str(refused))
            return
        if backends is not None:
            apply(backends)
            logger.info("emulator state restored from %s", self.folder.snapshot)

    def start(self) -> None:
        self._ticker.start()

    def request_done(self, method: str) -> None:
        if method not in READ_ONLY_METHODS:
            self.dirty = True

    def snapshot(self) -> float:
        """Write the state now; the seconds the gate was closed."""
        with self._one_snapshot_at_a_time:
            bodies = BodyStore(self.folder.path / BODIES_NAME)
            self._write_bodies_ahead(bodies)
            with self.gate.exclusive():
                closed = time.perf_counter()
                self.dirty = False
                payload = self.folder.capture(bodies)
                closed = time.perf_counter() - closed
            self.folder.write(payload)
            bodies.forget_unused()
            return closed

    @staticmethod
    def _write_bodies_ahead(bodies: BodyStore) -> None:
        """New uploads' bodies go to disk while requests go on, so the gate stays closed
        only for the pickle (a 200 MB upload used to hold every request for ~1 s)."""
        for key in s3_objects_now():
            try:
                bodies.prepare(key)
            except (OSError, ValueError):  # an object deleted (its buffer closed) meanwhile
                continue

    def close(self) -> None:
        """The last snapshot, as the server stops; no other comes after it."""
        self._stopped.set()
        if self.dirty:
            self.snapshot()
        logger.info("emulator state saved to %s", self.folder.snapshot)

    def _every_few_seconds(self) -> None:
        while not self._stopped.wait(SNAPSHOT_EVERY):
            if not self.dirty:
                continue
            try:
                with self._one_snapshot_at_a_time:
                    if not self._stopped.is_set():
                        self.snapshot()
            except Exception:  # a failed snapshot must not stop the next
                logger.exception("emulator snapshot to %s failed", self.folder.path)

    def _claim_folder(self) -> None:
        self.folder.path.mkdir(parents=True, exist_ok=True)
        self._folder_lock = open(self.folder.path / "lock", "ab")  # noqa: SIM115 - held for life
        try:
            fcntl.flock(self._folder_lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SystemExit(f"emulator state folder {self.folder.path} is in use by another "
                             "emulator: give this one another --state-dir") from None


def split_state_dir(argv: list[str]) -> tuple[list[str], Path | None]:
    """moto's own arguments, and the folder after `--state-dir` when there is one."""
    if "--state-dir" not in argv:
        return argv, None
    at = argv.index("--state-dir")
    if at + 1 >= len(argv):
        raise SystemExit("--state-dir needs a folder")
    return argv[:at] + argv[at + 2:], Path(argv[at + 1])


def gated(application: type[Any], persistence: Persistence) -> type[Any]:
    """moto's WSGI application class, each request inside the gate."""

    class GatedApplication(application):  # type: ignore[misc]
        def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
            with persistence.gate.request():
                try:
                    return super().__call__(environ, start_response)
                finally:
                    persistence.request_done(environ.get("REQUEST_METHOD", ""))

    return GatedApplication


def install(folder: Path, server: Any) -> Persistence:
    """Restore `folder` into moto and have `server` (moto.server) keep it from now on."""
    persistence = Persistence(folder)
    persistence.restore()
    server.DomainDispatcherApplication = gated(server.DomainDispatcherApplication, persistence)
    waits_for_messages = Queue.wait_for_messages

    def wait_stepped_out(queue: Queue, timeout: int) -> None:
        with persistence.gate.stepped_out():
            waits_for_messages(queue, timeout)

    Queue.wait_for_messages = wait_stepped_out  # type: ignore[method-assign, assignment]
    persistence.start()
    return persistence
