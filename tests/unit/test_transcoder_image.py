"""The transcoder's image, checked without a Docker engine: what its Dockerfile copies
exists and gets through its ignore file, the schema it shares with the handlers needs
nothing the image lacks, the files laid out as the image lays them out run
`python -m transcoder` without the rest of the repository, and its ffmpeg is the one the
tests run (Debian's fail the transcoder's commands: docs/deploy.md)."""

from __future__ import annotations

import ast
import fnmatch
import importlib.metadata
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "containers" / "transcoder" / "Dockerfile"
IGNORE = DOCKERFILE.with_name("Dockerfile.dockerignore")
SHARED = "chalicelib.contracts"  # the one part of chalicelib the image carries


def copies() -> list[tuple[str, str]]:
    """(source in the build context, destination) of each COPY, in order."""
    found = []
    for line in DOCKERFILE.read_text().splitlines():
        words = line.split()
        if words[:1] == ["COPY"] and not any(w.startswith("--from") for w in words):
            *sources, destination = [w for w in words[1:] if not w.startswith("--")]
            found += [(source, destination) for source in sources]
    return found


def test_every_file_the_dockerfile_copies_exists_and_is_sent_to_the_builder() -> None:
    patterns = [line.strip() for line in IGNORE.read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    assert copies(), "the Dockerfile copies nothing?"
    for source, _ in copies():
        assert (ROOT / source).exists(), source
        kept = False  # .dockerignore: the last pattern that matches decides
        for pattern in patterns:
            bare = pattern.removeprefix("!").rstrip("/")
            if fnmatch.fnmatch(source.rstrip("/"), bare):
                kept = pattern.startswith("!")
        assert kept, f"{source} is left out of the build context"


def imports_of(folder: Path) -> set[str]:
    names: set[str] = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module)
    return names


def test_the_shared_schema_needs_only_the_standard_library_and_msgspec() -> None:
    outside = {name for name in imports_of(ROOT / "chalicelib" / "contracts")
               if name.split(".")[0] not in sys.stdlib_module_names
               and name.split(".")[0] != "msgspec" and not name.startswith(SHARED)}
    assert outside == set()
    assert "msgspec==" in (DOCKERFILE.with_name("requirements.txt")).read_text()


def test_the_transcoder_takes_nothing_else_from_chalicelib() -> None:
    taken = {name for name in imports_of(ROOT / "containers" / "transcoder" / "transcoder")
             if name.split(".")[0] == "chalicelib"}
    assert taken and all(name.startswith(SHARED) for name in taken), taken


def test_the_image_layout_runs_the_transcoder_without_the_repository(tmp_path: Path) -> None:
    app = tmp_path / "app"
    for source, destination in copies():
        if not destination.startswith("/app/"):
            continue
        target = app / destination.removeprefix("/app/")
        if (ROOT / source).is_dir():
            shutil.copytree(ROOT / source, target,
                            ignore=shutil.ignore_patterns("__pycache__"))
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(ROOT / source, target)

    # -E: no PYTHONPATH; the working folder is all `python -m` adds, as in the image.
    done = subprocess.run([sys.executable, "-E", "-m", "transcoder", "--help"], cwd=app,
                          capture_output=True, text=True, timeout=60, check=False)

    assert done.returncode == 0, done.stderr
    assert "probe" in done.stdout


def pinned(requirement: str) -> str | None:
    text = DOCKERFILE.with_name("requirements.txt").read_text()
    found = re.search(rf"^{re.escape(requirement)}==(\S+)$", text, re.MULTILINE)
    return found[1] if found else None


def test_the_image_ships_the_ffmpeg_the_tests_run() -> None:
    version = pinned("imageio-ffmpeg")
    assert version, "the image's ffmpeg (imageio-ffmpeg) is not pinned"
    installs = [line for line in DOCKERFILE.read_text().splitlines()
                if "apt-get install" in line and re.search(r"\bffmpeg\b", line)]
    assert installs == [], "a second ffmpeg in the image: which one runs depends on PATH"
    try:  # the Makefile installs the pin when the machine has no ffmpeg of its own
        installed = importlib.metadata.version("imageio-ffmpeg")
    except importlib.metadata.PackageNotFoundError:
        return
    assert installed == version, f"the tests run imageio-ffmpeg {installed}, the image {version}"


def test_the_image_starts_from_a_named_debian_release() -> None:
    bases = [line.split()[1] for line in DOCKERFILE.read_text().splitlines()
             if line.startswith("FROM ")]
    # A bare `python:3.11-slim` moves to each new Debian release; the wheel's ffmpeg needs
    # glibc 2.28+ and the release's ca-certificates.
    assert bases and all(re.fullmatch(r"python:3\.\d+-slim-[a-z]+", b) for b in bases), bases
