"""Debian's ffmpeg and ffprobe of one release, unpacked into a folder without installing
anything, to run the transcoder's tests against (`make test-image-ffmpeg`, docs/deploy.md).

`python -m devstack.debian_ffmpeg trixie /tmp/ffmpeg-trixie` writes
/tmp/ffmpeg-trixie/bin/{ffmpeg,ffprobe}. It needs apt-get and dpkg-deb (a Debian or Ubuntu
host, amd64) and the Debian archive keyring, and leaves the host's apt state alone: the
package lists and an empty package database live under the folder, so apt resolves the
whole closure of `ffmpeg`, glibc included. The wrappers start the binary through that
glibc's own loader, as a release newer than the host's needs a newer glibc than the host's.
"""

from __future__ import annotations

import argparse
import re
import subprocess
from pathlib import Path

MIRRORS = ("http://deb.debian.org/debian {suite} main",
           "http://deb.debian.org/debian-security {suite}-security main")
KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"
LOADER = "ld-linux-x86-64.so.2"
TOOLS = ("ffmpeg", "ffprobe")
SHARED_LIBRARY = re.compile(r"\.so(\.\d+)*$")


def apt_config(suite: str, state: Path) -> Path:
    """An apt configuration whose sources, lists, cache and database are all under `state`."""
    etc = state / "etc"
    for folder in (etc / "apt.conf.d", etc / "preferences.d", etc / "sources.list.d",
                   state / "lists" / "partial", state / "cache" / "archives" / "partial"):
        folder.mkdir(parents=True, exist_ok=True)
    (etc / "sources.list").write_text("".join(
        f"deb [signed-by={KEYRING}] {mirror.format(suite=suite)}\n" for mirror in MIRRORS))
    (state / "status").write_text("")  # nothing installed: apt resolves everything
    config = state / "apt.conf"
    config.write_text("\n".join([
        f'Dir::Etc "{etc}";', f'Dir::Etc::sourcelist "{etc}/sources.list";',
        f'Dir::Etc::sourceparts "{etc}/sources.list.d";', f'Dir::Etc::parts "{etc}/apt.conf.d";',
        f'Dir::Etc::preferencesparts "{etc}/preferences.d";',
        f'Dir::State::Lists "{state}/lists";', f'Dir::State::status "{state}/status";',
        f'Dir::Cache "{state}/cache";', 'APT::Architecture "amd64";',
        'APT::Architectures { "amd64"; };', 'APT::Sandbox::User "root";', ""]))
    return config


def unpack_ffmpeg(suite: str, folder: Path) -> list[Path]:
    """Downloads `ffmpeg` and its Depends (no Recommends) and unpacks them into folder/root;
    returns the wrappers it writes into folder/bin."""
    env = {"APT_CONFIG": str(apt_config(suite, folder / "apt")), "PATH": "/usr/bin:/bin",
           "LC_ALL": "C"}
    subprocess.run(["apt-get", "-q", "update"], env=env, check=True)
    plan = subprocess.run(["apt-get", "install", "-s", "--no-install-recommends", "ffmpeg"],
                          env=env, check=True, capture_output=True, text=True).stdout
    packages = [line.split()[1] for line in plan.splitlines() if line.startswith("Inst ")]
    debs, root, bin_folder = folder / "debs", folder / "root", folder / "bin"
    for made in (debs, root, bin_folder):
        made.mkdir(parents=True, exist_ok=True)
    subprocess.run(["apt-get", "-q", "download", *packages], env=env, cwd=debs, check=True)
    for deb in sorted(debs.glob("*.deb")):
        subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)

    # The real file: in releases before merged /usr, /lib64's loader is an absolute link
    # that would lead back to the host's.
    loader = next(p for p in root.rglob(LOADER) if p.is_file() and not p.is_symlink())
    library_folders = sorted({str(p.parent) for p in root.rglob("*.so*")
                              if SHARED_LIBRARY.search(p.name)})
    wrappers = []
    for tool in TOOLS:
        wrapper = bin_folder / tool
        wrapper.write_text(f"#!/bin/sh\n# Debian {suite}'s {tool}, unpacked by "
                           f"devstack/debian_ffmpeg.py\nexec {loader} --library-path "
                           f"'{':'.join(library_folders)}' {root}/usr/bin/{tool} \"$@\"\n")
        wrapper.chmod(0o755)
        wrappers.append(wrapper)
    return wrappers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("suite", help="a Debian release: bookworm, trixie...")
    parser.add_argument("folder", type=Path, help="where to unpack (created)")
    arguments = parser.parse_args()
    wrappers = unpack_ffmpeg(arguments.suite, arguments.folder.resolve())
    version = subprocess.run([str(wrappers[0]), "-hide_banner", "-version"], check=True,
                             capture_output=True, text=True).stdout.splitlines()[0]
    print(version)
    print(" ".join(f"REELSTACK_{w.name.upper()}={w}" for w in wrappers))


if __name__ == "__main__":
    main()
