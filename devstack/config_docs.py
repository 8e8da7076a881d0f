"""Writes the configuration table of docs/configuration.md from chalicelib/core/envvars.py
(its DOCUMENTED rows), between the markers there: `python -m devstack.config_docs`, or
with `--check` to fail (exit 1) when the table is stale or a variable has no row."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from chalicelib.core import envvars

DOCS = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"
START = "<!-- generated from chalicelib/core/envvars.py by python -m devstack.config_docs -->"
END = "<!-- end of the generated table -->"


def variables() -> set[str]:
    """Every variable envvars names (a name ending in `_` stands for one per resource)."""
    return {value for name, value in vars(envvars).items()
            if name.isupper() and isinstance(value, str) and value.startswith(("REELSTACK_",
                                                                              "AWS_"))}


def undocumented() -> list[str]:
    documented = [name for row in envvars.DOCUMENTED for name in row.names]
    twice = {name for name in documented if documented.count(name) > 1}
    return sorted((variables() - set(documented)) | twice)


def table() -> str:
    lines = ["| variable | default | meaning |", "|---|---|---|"]
    for row in envvars.DOCUMENTED:
        names = ", ".join(f"`{name}<NAME>`" if name.endswith("_") else f"`{name}`"
                          for name in row.names)
        lines.append(f"| {names} | {row.default} | {row.meaning} |")
    return "\n".join(lines)


def written(document: str) -> str:
    """`document` with the table between its markers replaced by the current one."""
    before, start, rest = document.partition(START)
    _, end, after = rest.partition(END)
    if not start or not end:
        raise ValueError(f"{DOCS} lacks the markers {START!r} and {END!r}")
    return f"{before}{START}\n{table()}\n{END}{after}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 if the table is stale")
    args = parser.parse_args(argv)
    missing = undocumented()
    if missing:
        print(f"no single row in envvars.DOCUMENTED for: {', '.join(missing)}",
              file=sys.stderr)
        return 1
    document = DOCS.read_text()
    if args.check:
        stale = written(document) != document
        if stale:
            print(f"{DOCS} is stale: run python -m devstack.config_docs", file=sys.stderr)
        return int(stale)
    DOCS.write_text(written(document))
    return 0


if __name__ == "__main__":
    sys.exit(main())
