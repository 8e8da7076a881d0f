"""GET /api/health/: 200 when DynamoDB, S3 and SQS answer; 503 naming what does not."""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator

import pytest
from chalice.test import Client

from chalicelib.core.settings import Settings, reload_settings
from devstack.deploy import deploy_stack
from devstack.emulator import start_moto
from tests.support.network import free_port


@pytest.fixture
def api(stack: Settings) -> Iterator[Client]:
    with Client(importlib.import_module("app").app, stage_name="local") as client:
        yield client


@pytest.fixture
def stopped_emulator(stack: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Point the app at an emulator that had the stack, then stop that emulator."""
    doomed = start_moto(f"http://127.0.0.1:{free_port()}",
                        tmp_path_factory.mktemp("doomed") / "moto.log")
    os.environ["AWS_ENDPOINT_URL"] = doomed.endpoint
    deploy_stack(reload_settings())
    doomed.stop()
    yield
    os.environ["AWS_ENDPOINT_URL"] = str(stack.endpoint_url)
    reload_settings()


def test_health_is_200_with_every_check(api: Client, stack: Settings) -> None:
    response = api.http.get("/api/health/")

    assert response.status_code == 200
    body = response.json_body
    assert body["status"] == "ok"
    assert body["stage"] == "local"
    assert {name for name, check in body["checks"].items() if check["ok"]} == {
        "dynamodb", "s3", "sqs",
    }


def test_health_is_503_naming_the_dependencies_down(api: Client, stopped_emulator: None) -> None:
    response = api.http.get("/api/health/")

    assert response.status_code == 503
    body = response.json_body
    assert body["Code"] == "DependencyUnavailable"
    assert "dynamodb" in body["Message"] and "s3" in body["Message"]
    assert body["checks"]["sqs"]["ok"] is False


def test_a_missing_resource_is_reported_too(api: Client, stack: Settings) -> None:
    os.environ["REELSTACK_BUCKET_MEDIA"] = "no-such-bucket"
    try:
        reload_settings()
        response = api.http.get("/api/health/")
    finally:
        del os.environ["REELSTACK_BUCKET_MEDIA"]
        reload_settings()

    assert response.status_code == 503
    assert response.json_body["Message"] == "Unavailable: s3."
