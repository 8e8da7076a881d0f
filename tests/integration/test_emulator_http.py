"""The dev stack's moto over HTTP (devstack/moto_http.py): connections are kept alive, so
each DynamoDB call of the API no longer opens a TCP connection and a server thread."""

from __future__ import annotations

import pytest
import requests

from chalicelib.core.clients import aws_client
from chalicelib.core.settings import Settings
from devstack.emulator import Emulator, EmulatorKind


def test_the_emulator_keeps_connections_alive(emulator: Emulator) -> None:
    if emulator.kind is not EmulatorKind.MOTO:
        pytest.skip("about the dev stack's moto (devstack/moto_server.py)")
    with requests.Session() as http:
        first = http.get(f"{emulator.endpoint}/moto-api/config", timeout=10)
        second = http.get(f"{emulator.endpoint}/moto-api/config", timeout=10)
    assert first.ok and second.ok
    assert first.headers.get("Connection", "").lower() != "close"  # werkzeug: always close


def test_services_are_still_told_apart_by_their_host(stack: Settings) -> None:
    """Backends are remembered per host: a DynamoDB call and an SQS call in a row reach
    their own services."""
    assert stack.prefix in " ".join(aws_client("dynamodb").list_tables()["TableNames"])
    assert aws_client("sqs").list_queues(QueueNamePrefix=stack.prefix)["QueueUrls"]


def test_an_empty_object_is_stored(stack: Settings) -> None:
    """boto3 sends `Expect: 100-continue` with every PutObject; on a request without a body
    waitress 3.0.2 sent `100 Continue` and then never answered (a read timeout)."""
    s3 = aws_client("s3")
    s3.put_object(Bucket=stack.buckets.uploads, Key="videos/m-empty/empty.mp4", Body=b"")
    head = s3.head_object(Bucket=stack.buckets.uploads, Key="videos/m-empty/empty.mp4")
    assert head["ContentLength"] == 0
    s3.delete_object(Bucket=stack.buckets.uploads, Key="videos/m-empty/empty.mp4")
