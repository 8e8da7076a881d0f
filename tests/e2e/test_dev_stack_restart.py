"""`make run` stopped and started again keeps what users made (issue 16, "durable by
default"): the account, a playable movie and the watchlist; `make reset` starts clean.

The stacks here keep their emulator state in a tmp folder of their own (`--state-dir`),
never in the project's `.devstack/`, and run on free ports.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from devstack.emulator import start_moto
from tests.e2e.test_transcode_pipeline import make_account, make_clip, settled
from tests.support.dev_stack import DevStack, decode_to_the_end, running_dev_stack
from tests.support.network import free_port

pytestmark = pytest.mark.e2e
PREFIX = "reelstack-hls"  # the prefix test_transcode_pipeline's helpers look in
EMAIL, PASSWORD = "returning@example.com", "a returning viewer's passphrase"


def signed_in(stack: DevStack) -> requests.Session:
    http = requests.Session()
    login = http.post(f"{stack.api_url}/auth/login/", json={"email": EMAIL,
                                                           "password": PASSWORD}, timeout=10)
    assert login.status_code == 200, login.text
    http.headers["Authorization"] = f"Bearer {login.json()['access']}"
    return http


def test_a_restarted_stack_keeps_the_user_the_movie_and_the_watchlist(
        project_root: Path, tmp_path: Path) -> None:
    state = tmp_path / "emulator-state"
    with running_dev_stack(project_root, tmp_path / "first.log", PREFIX,
                           state_dir=state) as first:
        first.client("s3").upload_file(
            str(make_clip(tmp_path / "clip.mp4", size="320x180", seconds=2)),
            f"{PREFIX}-uploads", "videos/Kept Movie.mp4")
        movie_id = settled(first, "Kept Movie")["movie_id"]["S"]
        make_account(first, project_root, EMAIL, PASSWORD)
        added = signed_in(first).put(f"{first.api_url}/api/watchlist/{movie_id}/", timeout=10)
        assert added.status_code in (200, 201), added.text

    with running_dev_stack(project_root, tmp_path / "second.log", PREFIX,
                           state_dir=state) as second:
        http = signed_in(second)
        watchlist = http.get(f"{second.api_url}/api/watchlist/", timeout=10).json()
        assert [entry["movie_id"] for entry in watchlist] == [movie_id]
        played = decode_to_the_end(http, second.api_url, movie_id, "restart")
        assert played.returncode == 0 and not played.stderr.strip(), played.stderr


def test_make_reset_forgets_the_emulator_state(project_root: Path, tmp_path: Path) -> None:
    """In a copy of the project's code, so that its `.devstack/` (and the stacks it would
    stop) are the copy's, never those of whoever else works in this tree."""
    copy = tmp_path / "project"
    for package in ("devstack", "chalicelib"):
        shutil.copytree(project_root / package, copy / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    state = copy / ".devstack" / "emulator"  # where make run keeps it (devstack.run)
    endpoint = f"http://127.0.0.1:{free_port()}"
    moto = start_moto(endpoint, tmp_path / "moto.log", state_dir=state)
    s3 = boto3_s3(endpoint)
    s3.create_bucket(Bucket="kept-until-reset")
    moto.stop()
    assert (state / "moto-state.pickle").exists()

    subprocess.run([sys.executable, "-m", "devstack.reset"], cwd=copy, check=True,
                   env={**os.environ, "PYTHONPATH": str(copy)}, capture_output=True,
                   timeout=60)

    moto = start_moto(endpoint, tmp_path / "moto.log", state_dir=state)
    try:
        assert boto3_s3(endpoint).list_buckets()["Buckets"] == []
    finally:
        moto.stop()


def boto3_s3(endpoint: str) -> Any:
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test")
