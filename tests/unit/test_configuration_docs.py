"""The documentation stays true to the code: every environment variable has a row in the
generated configuration table, that table is the one docs/configuration.md holds, and
every relative link of the README and docs/ leads to a file and heading that exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from chalicelib.core import envvars
from devstack import config_docs

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def test_every_variable_has_one_row_with_a_default_and_a_meaning() -> None:
    assert config_docs.undocumented() == []
    assert envvars.CURSOR_SECRET in {name for row in envvars.DOCUMENTED for name in row.names}
    for row in envvars.DOCUMENTED:
        assert row.names and row.default.strip() and len(row.meaning) > 5, row


def test_a_variable_without_a_row_is_found(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(envvars, "SHINY_NEW", "REELSTACK_SHINY_NEW", raising=False)

    assert config_docs.undocumented() == ["REELSTACK_SHINY_NEW"]
    assert config_docs.main(["--check"]) == 1


def test_the_configuration_page_holds_the_table_as_generated() -> None:
    document = config_docs.DOCS.read_text()

    assert config_docs.written(document) == document, (
        "docs/configuration.md is stale: run python -m devstack.config_docs")
    assert config_docs.main(["--check"]) == 0
    stale = document.replace("| `REELSTACK_LOG_LEVEL` | `INFO` |", "| `REELSTACK_LOG_LEVEL` | ? |")
    assert config_docs.written(stale) == document


def headings(page: Path) -> set[str]:
    """GitHub's anchors for the page's headings (fenced code left out)."""
    anchors, fenced = set(), False
    for line in page.read_text().splitlines():
        fenced ^= line.startswith("```")
        if not fenced and line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            anchors.add(re.sub(r"[^\w\- ]", "", title).replace(" ", "-"))
    return anchors


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_relative_link_leads_somewhere(page: Path) -> None:
    for target in LINK.findall(page.read_text()):
        if re.match(r"[a-z]+:", target):
            continue  # http(s), mailto: not ours to check here
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        assert linked.exists(), f"{page.name}: {target}"
        if anchor and linked.suffix == ".md":
            assert anchor in headings(linked), f"{page.name}: {target}"
