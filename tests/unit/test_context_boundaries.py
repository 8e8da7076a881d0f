"""Contexts meet at their ports: what each package of chalicelib may not import."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CHALICELIB = Path(__file__).resolve().parents[2] / "chalicelib"


def imported_modules(package: str) -> dict[str, set[str]]:
    """Each module of `package` (a folder of chalicelib), with every module it imports
    (`from a.b import c` counts as both `a.b` and `a.b.c`)."""
    found: dict[str, set[str]] = {}
    for path in sorted((CHALICELIB / package).rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names |= {node.module, *(f"{node.module}.{a.name}" for a in node.names)}
        found[str(path.relative_to(CHALICELIB.parent))] = names
    return found


def offending(package: str, forbidden: tuple[str, ...]) -> dict[str, list[str]]:
    return {module: sorted(n for n in names if n.startswith(forbidden))
            for module, names in imported_modules(package).items()
            if any(n.startswith(forbidden) for n in names)}


@pytest.mark.parametrize(("package", "forbidden"), [
    # Playback and parties see movies through catalog.playable only.
    ("playback", ("chalicelib.catalog.models", "chalicelib.catalog.transcoding",
                  "chalicelib.catalog.movies")),
    ("party", ("chalicelib.catalog.models", "chalicelib.catalog.transcoding")),
    # Transcode publishes its outcome (transcode/outcomes.py); movie requests subscribe.
    ("transcode", ("chalicelib.movie_requests",)),
    # The Lambda package runs without the local stack's and the tests' machinery.
    ("", ("devstack", "tests", "bench")),
])
def test_a_context_does_not_reach_past_the_ports(package: str,
                                                 forbidden: tuple[str, ...]) -> None:
    assert offending(package, forbidden) == {}
