"""devstack/debian_ffmpeg.py's private apt state: what it fetches (the next step, apt-get
download, needs the network and so is run by hand: docs/deploy.md)."""

from __future__ import annotations

from pathlib import Path

from devstack.debian_ffmpeg import apt_config


def test_apt_reads_and_writes_only_under_the_folder_it_is_given(tmp_path: Path) -> None:
    config = apt_config("trixie", tmp_path / "apt").read_text()

    directories = [line.split('"')[1] for line in config.splitlines() if line.startswith("Dir")]
    assert directories and all(d.startswith(str(tmp_path / "apt")) for d in directories)
    assert (tmp_path / "apt" / "status").read_text() == ""  # apt resolves glibc too


def test_the_sources_are_the_release_and_its_security_updates(tmp_path: Path) -> None:
    apt_config("bookworm", tmp_path)

    sources = (tmp_path / "etc" / "sources.list").read_text().splitlines()
    assert [line.split()[-2:] for line in sources] == [["bookworm", "main"],
                                                       ["bookworm-security", "main"]]
    assert all("signed-by=/usr/share/keyrings/" in line for line in sources)
