"""`make upload` against `make run`'s processes: a file into a new movie, followed to ready;
and an upload interrupted mid-way (Ctrl-C) that the same command resumes, sending only the
parts S3 did not have."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from chalicelib.core import envvars
from devstack.ffmpeg import ffmpeg_binary
from tests.support.dev_stack import DevStack, admin_token, running_dev_stack
from tests.support.media import render_sources

pytestmark = pytest.mark.e2e
PREFIX = "reelstack-upload"
MIB = 1024 * 1024
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevStack]:
    log = tmp_path_factory.mktemp("make-upload") / "make-run.log"
    # Multipart from 1 MiB, in 5 MiB parts (the least S3 takes), so a few MB make parts.
    # The transcoder reads no faster than real time: the clip spends its whole length
    # being encoded whatever the machine's speed, so `make upload` sees it under way.
    with running_dev_stack(ROOT, log, PREFIX, {
            envvars.TRANSCODE_READ_RATE: "1",
            envvars.UPLOAD_SINGLE_PUT_MAX_BYTES: str(MIB),
            envvars.UPLOAD_PART_BYTES: str(5 * MIB)}) as running:
        yield running


@pytest.fixture(scope="module")
def token(stack: DevStack) -> str:
    headers = admin_token(stack, f"uploader-{time.monotonic_ns()}@example.com",
                          "an uploader's passphrase")
    return headers["Authorization"].removeprefix("Bearer ")


def make_upload(stack: DevStack, token: str, state: Path, *args: str,
                follow: bool = True) -> subprocess.Popen[str]:
    """`make upload` as an operator runs it (its dependencies taken as installed: -o)."""
    options = f"--api {stack.api_url} --web-url {stack.web_url} --state-file {state}"
    return subprocess.Popen(
        ["make", "--no-print-directory", "-s", "-o", ".venv/.deps-installed", "upload", *args,
         f"UPLOAD_ARGS={options}{'' if follow else ' --no-follow'}"],
        cwd=ROOT, env={**os.environ, "REELSTACK_TOKEN": token}, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)


def test_a_file_becomes_a_new_movie_that_plays(stack: DevStack, token: str,
                                               tmp_path: Path) -> None:
    clip = render_sources(str(ffmpeg_binary()), tmp_path, {"harbour_at_dawn.mp4": [
        "-f", "lavfi", "-i", "testsrc2=s=320x180:r=25:d=10", "-f", "lavfi",
        "-i", "sine=frequency=440:duration=10", "-c:v", "libx264", "-preset", "ultrafast",
        "-b:v", "700k", "-c:a", "aac", "-shortest"]}) / "harbour_at_dawn.mp4"

    run = make_upload(stack, token, tmp_path / "state.json", f"FILE={clip}",
                      "TITLE=Harbour at Dawn")
    out, err = run.communicate(timeout=300)

    assert run.returncode == 0, (out, err)
    lines = out.splitlines()
    assert lines[0].startswith("uploading harbour_at_dawn.mp4") and "Harbour at Dawn" in lines[0]
    assert "uploaded: transcoding starts shortly" in lines
    # Under way for 10 s, looked at every 2 s: processing, then playable (issue 17).
    assert any(re.fullmatch(r"(processing|playable): \d+\.\d%.*", line) for line in lines), lines
    watch = re.fullmatch(rf"ready: {re.escape(stack.web_url)}/watch/([0-9a-f]{{32}})", lines[-1])
    assert watch, lines
    assert "100.0%" in err and "Traceback" not in err
    movie = requests.get(f"{stack.api_url}/api/video/{watch.group(1)}/", timeout=30,
                         headers={"Authorization": f"Bearer {token}"}).json()
    assert (movie["status"], movie["title"]) == ("ready", "Harbour at Dawn")


def test_an_interrupted_upload_is_resumed_by_running_it_again(
    stack: DevStack, token: str, tmp_path: Path
) -> None:
    source = tmp_path / "long_take.mp4"
    source.write_bytes(os.urandom(6 * 5 * MIB - 123))  # six parts; the bytes need not play
    state = tmp_path / "state.json"
    args = (f"FILE={source}", "TITLE=Long Take")

    first = make_upload(stack, token, state, *args, follow=False)
    assert first.stderr is not None
    for line in first.stderr:  # one line per part when stderr is not a terminal
        if "part 1 of 6 uploaded" in line:
            os.killpg(first.pid, signal.SIGINT)  # Ctrl-C, as a terminal sends it
            break
    _, rest = first.communicate(timeout=60)
    assert first.returncode != 0 and "interrupted: run the same command again" in rest, rest
    assert state.exists() and "upload_id" in state.read_text()

    second = make_upload(stack, token, state, *args, follow=False)
    out, err = second.communicate(timeout=300)

    assert second.returncode == 0, (out, err)
    resumed = re.search(r"resuming: (\d) part\(s\) were uploaded before", err)
    assert resumed, err
    sent_again = [int(n) for n in re.findall(r"part (\d) of 6 uploaded", err)]
    already = int(resumed.group(1))
    assert sent_again == list(range(already + 1, 7)), err  # only the missing parts
    assert "uploaded: transcoding starts shortly" in out and state.read_text().strip() == "{}"
    key = next(line for line in out.splitlines() if line.startswith("uploading"))
    movie_id = re.search(r"\(([0-9a-f]{32})\)", key)
    assert movie_id, out
    s3 = stack.client("s3")
    [stored] = [o for o in s3.list_objects_v2(Bucket=f"{PREFIX}-uploads",
                                              Prefix=f"videos/{movie_id.group(1)}/")["Contents"]]
    body = s3.get_object(Bucket=f"{PREFIX}-uploads", Key=stored["Key"])["Body"].read()
    assert body == source.read_bytes()
