"""Fixtures for every tier. Unit tests start nothing; the emulator starts on first use.

By default the emulator is moto's server on a free loopback port, started for the
session; with REELSTACK_TEST_ENDPOINT set (make test-localstack) it is that endpoint.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from chalice.test import Client
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from chalicelib.auth.keys import private_pem

# Before anything imports the app: settings are read once, at first use.
os.environ.update({
    "REELSTACK_STAGE": "local",
    "REELSTACK_PREFIX": "reelstack-test",
    "REELSTACK_LOG_LEVEL": "WARNING",
    "AWS_ACCESS_KEY_ID": "test",
    "AWS_SECRET_ACCESS_KEY": "test",
    "AWS_DEFAULT_REGION": "us-east-1",
    "REELSTACK_JWT_PRIVATE_KEY": private_pem(Ed25519PrivateKey.generate()),
})
os.environ.pop("AWS_PROFILE", None)

from chalicelib.core.settings import Settings, reload_settings
from devstack.deploy import deploy_stack
from devstack.emulator import Emulator, find_or_start, identify, start_moto
from devstack.task_runners import register_local_runners
from tests.support.api import Browser
from tests.support.aws_calls import counting_dynamodb_calls
from tests.support.iam import DeployedPolicies, recording_aws_calls
from tests.support.network import free_port
from tests.support.stack import empty_stack

TEST_ENDPOINT = "REELSTACK_TEST_ENDPOINT"


@pytest.fixture(scope="session", autouse=True)
def local_task_runners() -> None:
    """The local stack's runners, registered as its processes register them at start
    (they are not in the Lambda package)."""
    register_local_runners()


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    given = os.environ.get(TEST_ENDPOINT)
    if given:
        if identify(given) is None:
            pytest.fail(f"{TEST_ENDPOINT}={given} but nothing answers there")
        yield find_or_start(given)
        return
    log = tmp_path_factory.mktemp("emulator") / "moto.log"
    started = start_moto(f"http://127.0.0.1:{free_port()}", log)
    yield started
    started.stop()


@pytest.fixture(scope="session")
def deployed_stack(emulator: Emulator) -> Settings:
    os.environ["AWS_ENDPOINT_URL"] = emulator.endpoint
    settings = reload_settings()
    deploy_stack(settings)
    return settings


@pytest.fixture
def stack(deployed_stack: Settings) -> Iterator[Settings]:
    """The deployed stack, emptied after the test."""
    yield deployed_stack
    empty_stack(deployed_stack)


@pytest.fixture
def project_root() -> Path:
    return Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def deployed_policies(deployed_stack: Settings) -> DeployedPolicies:
    return DeployedPolicies(deployed_stack)


@pytest.fixture
def api(stack: Settings, deployed_policies: DeployedPolicies) -> Iterator[Client]:
    """The app in-process (chalice's test client), on the emulator's stack. Whatever the
    test does through it, no request path may Scan a table, and every AWS call a request
    made must be granted by the API function's policy in the cloud (cloud/access.py)."""
    with Client(importlib.import_module("app").app, stage_name="local") as client, \
            counting_dynamodb_calls() as calls, recording_aws_calls(stack) as aws_calls:
        yield client
    assert "Scan" not in calls, f"a request path scanned a table: {dict(calls)}"
    assert deployed_policies.denied(aws_calls) == [], "calls the cloud policy would deny"


@pytest.fixture
def browser(api: Client) -> Browser:
    return Browser(api)
