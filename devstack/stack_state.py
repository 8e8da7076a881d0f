"""What a running `make run` holds, written down so the next one can find what is left.

Each `make run` keeps `<state dir>/runs/<its pid>.json`: itself, its children and the
ports it serves, each process as pid + start time. Stopping cleanly removes the file; a
run that was killed leaves it, and the next `make run` (or `make reset`) stops the
children still running. Several stacks may run side by side on other ports (the e2e
tests do): only a live run on one of our ports stands in the way.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from devstack.processes import ProcessId, stop_group

logger = logging.getLogger("devstack")


class StackAlreadyRunning(Exception):
    """A live `make run` holds a port this one needs."""


@dataclass
class StackRecord:
    owner: ProcessId
    api_url: str
    ports: list[int]
    group: int | None = None
    children: list[ProcessId] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps({
            "owner": [self.owner.pid, self.owner.started], "api_url": self.api_url,
            "ports": self.ports, "group": self.group,
            "children": [[child.pid, child.started] for child in self.children],
        })

    @classmethod
    def from_json(cls, text: str) -> StackRecord:
        data = json.loads(text)
        return cls(owner=ProcessId(*data["owner"]), api_url=data["api_url"],
                   ports=list(data["ports"]), group=data["group"],
                   children=[ProcessId(*child) for child in data["children"]])


class StackState:
    """The run records under one state folder."""

    def __init__(self, state_dir: Path) -> None:
        self.folder = state_dir / "runs"

    def records(self) -> list[tuple[Path, StackRecord]]:
        found = []
        for path in sorted(self.folder.glob("*.json")):
            try:
                found.append((path, StackRecord.from_json(path.read_text())))
            except (OSError, ValueError, KeyError, TypeError):
                path.unlink(missing_ok=True)  # half-written by a run killed mid-write
        return found

    def save(self, record: StackRecord) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{record.owner.pid}.json"
        partial = path.with_suffix(".partial")
        partial.write_text(record.to_json())
        os.replace(partial, path)  # never a half-written record for the next run to read

    def remove(self, record: StackRecord) -> None:
        (self.folder / f"{record.owner.pid}.json").unlink(missing_ok=True)

    def clear_leftovers(self, ports: Iterable[int]) -> list[str]:
        """Stop what killed runs left running; StackAlreadyRunning if a live run holds one
        of `ports`. One line per leftover stack stopped, to show the user."""
        wanted, said = set(ports), []
        for path, record in self.records():
            if record.owner.running():
                if wanted & set(record.ports):
                    raise StackAlreadyRunning(
                        f"make run already runs (pid {record.owner.pid}, API "
                        f"{record.api_url}): stop it with Ctrl-C, or run make reset")
                continue
            stopped = stop_group(record.group, record.children)
            if stopped:
                said.append(f"stopped the stack a killed make run left (pid "
                            f"{record.owner.pid}): processes {', '.join(map(str, stopped))}")
            path.unlink(missing_ok=True)
        return said

    def stop_all(self) -> list[str]:
        """Every recorded stack stopped, live ones too (`make reset`)."""
        said = []
        for path, record in self.records():
            owner = [record.owner] if record.owner.running() else []
            stopped = stop_group(None, owner, grace=20)  # a live run stops its own children
            stopped += stop_group(record.group, record.children)
            if stopped:
                said.append(f"stopped make run (pid {record.owner.pid}): processes "
                            f"{', '.join(map(str, stopped))}")
            with contextlib.suppress(OSError):
                path.unlink()
        return said
