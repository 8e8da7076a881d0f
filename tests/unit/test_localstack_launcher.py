"""The host LocalStack launcher's pure parts: locations, env, markers, bookkeeping."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from devstack import localstack


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("REELSTACK_LOCALSTACK_HOME", str(tmp_path / "ls"))
    return tmp_path / "ls"


def test_the_cache_lives_outside_the_checkout_unless_overridden(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("REELSTACK_LOCALSTACK_HOME", raising=False)
    assert localstack.home_dir() == Path.home() / ".cache" / "reelstack" / "localstack"


def test_the_cache_follows_its_override(home: Path) -> None:
    assert localstack.home_dir() == home.resolve()


def test_port_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOCALSTACK_PORT", raising=False)
    assert localstack.configured_port() == 4566
    monkeypatch.setenv("LOCALSTACK_PORT", "4599")
    assert localstack.configured_port() == 4599
    assert localstack.endpoint_for(4599) == "http://127.0.0.1:4599"


def test_a_bad_port_says_what_is_wrong(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCALSTACK_PORT", "fast")
    with pytest.raises(localstack.LocalStackError, match="LOCALSTACK_PORT"):
        localstack.configured_port()


def test_localstack_runs_on_the_host_with_its_files_in_the_cache(home: Path) -> None:
    env = localstack._localstack_env(home, 4599)
    assert env["GATEWAY_LISTEN"] == "127.0.0.1:4599"
    assert env["OVERRIDE_IN_DOCKER"] == "0"
    assert Path(env["FILESYSTEM_ROOT"]).is_relative_to(home)
    assert Path(env["LOCALSTACK_VOLUME_DIR"]).is_relative_to(home)
    assert set(env["SERVICES"].split(",")) >= {"s3", "sqs", "ses", "dynamodb", "cloudformation"}


def test_the_callers_venv_does_not_leak_into_localstack(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHONPATH", "/somewhere")
    monkeypatch.setenv("VIRTUAL_ENV", "/work/main/.venv")
    env = localstack._localstack_env(home, 4566)
    assert "PYTHONPATH" not in env
    assert "VIRTUAL_ENV" not in env


def test_newest_python_313_first() -> None:
    names = ["3.13.0", "3.13.10", "3.13.2", "3.13-dev"]
    assert max(names, key=localstack._version_key) == "3.13.10"


def _fake_preparation(home: Path, stamp: str) -> None:
    jdk = home / "jdk"
    (jdk / "bin").mkdir(parents=True)
    (jdk / "bin" / "java").touch()
    essentials = [
        localstack._venv_python(home),
        localstack._dynamodb_local_dir(home) / "DynamoDBLocal.jar",
        localstack._dynamodb_local_dir(home) / localstack.LOADER_JAR,
    ]
    for path in essentials:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
    localstack._java_link(home).parent.mkdir(parents=True)
    localstack._java_link(home).symlink_to(jdk)
    localstack._marker(home).write_text(json.dumps({"stamp": stamp}))


def test_a_finished_preparation_is_recognised(home: Path) -> None:
    _fake_preparation(home, localstack.PREPARE_STAMP)
    assert localstack._is_prepared(home)


def test_new_pins_mean_preparing_again(home: Path) -> None:
    _fake_preparation(home, "an older stamp")
    assert not localstack._is_prepared(home)


def test_a_removed_jdk_means_preparing_again(home: Path) -> None:
    _fake_preparation(home, localstack.PREPARE_STAMP)
    (home / "jdk" / "bin" / "java").unlink()
    assert not localstack._is_prepared(home)


def test_a_missing_dynamodb_local_means_preparing_again(home: Path) -> None:
    _fake_preparation(home, localstack.PREPARE_STAMP)
    (localstack._dynamodb_local_dir(home) / "DynamoDBLocal.jar").unlink()
    assert not localstack._is_prepared(home)


def test_no_marker_means_not_prepared(home: Path) -> None:
    assert not localstack._is_prepared(home)


def test_a_pid_file_of_another_program_is_not_ours(home: Path) -> None:
    home.mkdir()
    localstack._pid_file(home).write_text(f"{os.getpid()} 4566\n")
    assert localstack._our_localstack(home) is None


def test_a_garbled_pid_file_is_ignored(home: Path) -> None:
    home.mkdir()
    localstack._pid_file(home).write_text("not a pid\n")
    assert localstack._our_localstack(home) is None


def test_our_own_process_is_alive_and_a_recycled_pid_is_not() -> None:
    me = localstack._identity(os.getpid())
    assert me is not None
    assert localstack._alive(me)
    assert not localstack._alive((me[0], "another start time"))


def test_losing_the_port_shows_in_the_log_written_since_launch(home: Path) -> None:
    home.mkdir()
    log = localstack._log_file(home)
    log.write_text("old run: twisted.internet.error.CannotListenError\n")
    offset = localstack._log_size(home)
    assert not localstack._lost_port_race(home, offset)
    with log.open("a") as out:
        out.write("twisted.internet.error.CannotListenError: Couldn't listen on any:4566\n")
    assert localstack._lost_port_race(home, offset)
    assert not localstack._lost_port_race(home, None)


def test_the_port_message_says_how_to_pick_another() -> None:
    message = localstack._port_taken_message(4566)
    assert "LOCALSTACK_PORT=" in message
    assert "4566" in message
