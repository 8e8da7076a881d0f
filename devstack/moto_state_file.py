"""moto's backends as one file on disk, and back: the format of the emulator's snapshots.

A snapshot is one pickle of every backend in use ({"module:attribute": {account: {region:
backend}}}), in one call so that objects two services share (a CloudFormation stack and
the table it made) stay one object. It is written atomically (a temp file, fsync,
`os.replace`) under a header naming moto's version, the format and the payload's sha256,
so a kill -9 leaves either the old snapshot or the new one, and a file that does not
match (another moto, a torn or foreign file) is refused as a whole, never half-loaded.

S3 object bodies are not in the pickle: each is written once to `bodies/<etag>-<size>`
(moto sets an object's value only when it makes the object, so etag and size name its
content) and the pickle holds the name; a snapshot rewrites only metadata, and body
files no snapshot names are deleted after it.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import io
import json
import logging
import os
import pickle
import sys
import tempfile
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import moto
from moto.core.base_backend import AccountSpecificBackend, BackendDict
from moto.s3.models import FakeKey

from devstack.moto_s3_reads import object_chunks

logger = logging.getLogger(__name__)

FORMAT = 1
MAGIC = b"reelstack-moto-state\n"
SNAPSHOT_NAME = "moto-state.pickle"
BODIES_NAME = "bodies"
# moto's own dashboard; it holds nothing a restart should keep.
NOT_KEPT = {"moto_api"}
# A lock pickles as a fresh one (by its factory: `_thread.lock`, the type, has no importable name).
_FRESH_LOCKS = {type(threading.Lock()): threading.Lock, type(threading.RLock()): threading.RLock}

Backends = dict[str, dict[str, dict[str, Any]]]


class SnapshotRefused(Exception):
    """A snapshot file this moto cannot load; the message says why, in a few words."""


def _body_name(key: FakeKey) -> str:
    return f"{key.etag.strip(chr(34))}-{key.contentsize}"


def _whole_body(key: FakeKey) -> Iterator[bytes]:
    """ValueError (the body file is not written) when the object is shorter than it says."""
    written = 0
    for chunk in object_chunks(key, 0, key.contentsize - 1):
        written += len(chunk)
        yield chunk
    if written != key.contentsize:
        raise ValueError(f"s3 object {key.name} ended at byte {written} of {key.contentsize}")


@dataclass(frozen=True)
class _BodyFile:
    name: str


def _key_from_state(cls: type[FakeKey], state: dict[str, Any], value: bytes) -> FakeKey:
    key = cast(FakeKey, cls.__new__(cls))
    key.__setstate__({**state, "value": value})
    return key


def _fsync_dir(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def write_atomically(path: Path, chunks: Iterable[bytes]) -> None:
    """`path` holds `chunks` or what it held before, whenever the process dies."""
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as output:
            for chunk in chunks:
                output.write(chunk)
            output.flush()
            os.fsync(output.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    _fsync_dir(path.parent)


@dataclass
class BodyStore:
    """Content-addressed S3 bodies under `folder`; `used` collects one snapshot's names."""

    folder: Path
    used: set[str] = field(default_factory=set)

    def keep(self, key: FakeKey) -> _BodyFile:
        name = _body_name(key)
        if name not in self.used and not (self.folder / name).exists():
            self._write(name, key)
        self.used.add(name)
        return _BodyFile(name)

    def prepare(self, key: FakeKey) -> None:
        """Write `key`'s body ahead of a snapshot, outside its gate: the snapshot then only
        names it. Not marked used: a body whose object is gone by then is forgotten."""
        name = _body_name(key)
        if not (self.folder / name).exists():
            self._write(name, key)

    def _write(self, name: str, key: FakeKey) -> None:
        # A chunk at a time, not `key.value`: that holds the object's lock while it reads
        # the whole body into memory, and a just-uploaded 1.5 GB source's transcoder, whose
        # every GET needs that lock, stood still for the second or more it took.
        self.folder.mkdir(parents=True, exist_ok=True)
        write_atomically(self.folder / name, _whole_body(key))

    def read(self, name: str) -> bytes:
        return (self.folder / name).read_bytes()

    def forget_unused(self) -> int:
        """Delete body files the last snapshot does not name (and temp files a kill left)."""
        removed = 0
        for path in self.folder.glob("*") if self.folder.is_dir() else []:
            if path.name not in self.used:
                path.unlink(missing_ok=True)
                removed += 1
        return removed


class _BackendPickler(pickle.Pickler):
    """Locks become fresh locks (no request holds one while we pickle) and S3 bodies
    become body files."""

    def __init__(self, output: io.BytesIO, bodies: BodyStore) -> None:
        super().__init__(output, protocol=pickle.HIGHEST_PROTOCOL)
        self.bodies = bodies

    def persistent_id(self, obj: Any) -> Any:
        return ("s3-body", obj.name) if isinstance(obj, _BodyFile) else None

    def reducer_override(self, obj: Any) -> Any:
        fresh = _FRESH_LOCKS.get(type(obj))
        if fresh is not None:
            return fresh, ()
        if isinstance(obj, FakeKey):
            state = {name: value for name, value in obj.__dict__.items()
                     if name not in ("_value_buffer", "lock")}
            return _key_from_state, (type(obj), state, self.bodies.keep(obj))
        return NotImplemented


class _BackendUnpickler(pickle.Unpickler):
    def __init__(self, payload: io.BytesIO, bodies: BodyStore) -> None:
        super().__init__(payload)
        self.bodies = bodies

    def persistent_load(self, pid: Any) -> Any:
        kind, name = pid
        if kind != "s3-body":
            raise pickle.UnpicklingError(f"unknown reference {kind!r}")
        return self.bodies.read(name)


def _location(backend_dict: BackendDict[Any]) -> str | None:
    """Where moto keeps this BackendDict ("moto.s3.models:s3_backends"), to find it again."""
    module = sys.modules.get(backend_dict.backend.__module__)
    for attribute, value in vars(module).items() if module else []:
        if value is backend_dict:
            return f"{module.__name__}:{attribute}"  # type: ignore[union-attr]
    return None


def backends_in_use() -> Iterator[tuple[str, BackendDict[Any]]]:
    for backend_dict in list(BackendDict._instances):  # type: ignore[misc]
        location = _location(backend_dict)
        if location is not None and backend_dict.service_name not in NOT_KEPT:
            yield location, backend_dict


def _as_plain_dicts(backend_dict: BackendDict[Any]) -> dict[str, dict[str, Any]]:
    return {account: dict(regions.items()) for account, regions in list(backend_dict.items())}


@dataclass
class StateFolder:
    """One emulator's state: the snapshot file and the body files it names."""

    path: Path
    skipped: set[str] = field(default_factory=set)  # services that would not pickle

    @property
    def snapshot(self) -> Path:
        return self.path / SNAPSHOT_NAME

    def capture(self, bodies: BodyStore) -> bytes:
        """The pickle of every backend in use; call it while nothing changes them."""
        backends = {location: _as_plain_dicts(backend_dict)
                    for location, backend_dict in backends_in_use()
                    if location not in self.skipped}
        try:
            return self._dumps(backends, bodies)
        except Exception:  # a service moto made unpicklable: find it, skip it
            for location in list(backends):
                try:
                    self._dumps({location: backends[location]}, BodyStore(bodies.folder))
                except Exception as error:
                    logger.warning("not kept across restarts: %s (%s)", location, error)
                    self.skipped.add(location)
                    del backends[location]
            return self._dumps(backends, bodies)

    @staticmethod
    def _dumps(backends: Backends, bodies: BodyStore) -> bytes:
        output = io.BytesIO()
        _BackendPickler(output, bodies).dump(backends)
        return output.getvalue()

    def write(self, payload: bytes) -> None:
        header = {"format": FORMAT, "moto": moto.__version__,
                  "python": f"{sys.version_info.major}.{sys.version_info.minor}",
                  "sha256": hashlib.sha256(payload).hexdigest()}
        write_atomically(self.snapshot, [MAGIC, json.dumps(header).encode() + b"\n", payload])

    def read(self) -> Backends | None:
        """The backends of the last snapshot, or None when there is none. SnapshotRefused
        when it cannot be loaded; nothing is applied in that case."""
        try:
            content = self.snapshot.read_bytes()
        except FileNotFoundError:
            return None
        if not content.startswith(MAGIC):
            raise SnapshotRefused("not a snapshot file")
        header_line, _, payload = content[len(MAGIC):].partition(b"\n")
        try:
            header = json.loads(header_line)
        except ValueError:
            raise SnapshotRefused("unreadable header") from None
        made_by = (header.get("format"), header.get("moto"))
        if made_by != (FORMAT, moto.__version__):
            raise SnapshotRefused(f"format {made_by[0]} of moto {made_by[1]}, this is "
                                  f"format {FORMAT} of moto {moto.__version__}")
        if hashlib.sha256(payload).hexdigest() != header.get("sha256"):
            raise SnapshotRefused("its content does not match its checksum")
        try:
            unpickler = _BackendUnpickler(io.BytesIO(payload), BodyStore(self.path / BODIES_NAME))
            backends: Backends = unpickler.load()
        except Exception as error:  # any failure means: start empty
            raise SnapshotRefused(f"it does not load ({type(error).__name__}: {error})"
                                  ) from None
        return backends

    def set_aside(self, reason: str) -> Path:
        aside = self.snapshot.with_name(f"{SNAPSHOT_NAME}.refused")
        os.replace(self.snapshot, aside)
        logger.warning("emulator state %s refused (%s): starting empty; it is kept as %s",
                       self.snapshot, reason, aside.name)
        return aside


def apply(backends: Backends) -> None:
    """Put restored backends where moto looks for them."""
    for location, accounts in backends.items():
        module_name, attribute = location.split(":")
        backend_dict = getattr(importlib.import_module(module_name), attribute)
        for account, regions in accounts.items():
            account_backends: AccountSpecificBackend[Any] = backend_dict[account]
            for region, backend in regions.items():
                dict.__setitem__(account_backends, region, backend)


def s3_objects_now() -> list[FakeKey]:
    """The current version of every S3 object, read while requests go on: a bucket that
    changes meanwhile is skipped (the snapshot, inside its gate, writes what was missed)."""
    from moto.s3.models import s3_backends

    found: list[FakeKey] = []
    for account in list(s3_backends.values()):
        for backend in list(account.values()):
            for bucket in list(backend.buckets.values()):
                with contextlib.suppress(RuntimeError):  # changed size during iteration
                    found.extend(k for k in list(bucket.keys.values())
                                 if isinstance(k, FakeKey))
    return found
