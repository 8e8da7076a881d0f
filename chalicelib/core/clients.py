"""Lazy boto3 clients pointed at the configured endpoint (the emulator locally).

Clients are built on first use and cached per settings object, so importing the app
costs nothing and `reload_settings()` gives fresh clients.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from botocore.config import Config

from chalicelib.core.settings import Settings, get_settings, on_settings_reload

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_ses import SESClient
    from mypy_boto3_sqs import SQSClient

# Requests that wait on a dead dependency should fail fast and say so.
DEFAULT_CONFIG = Config(
    connect_timeout=3,
    read_timeout=30,
    retries={"max_attempts": 3, "mode": "standard"},
    s3={"addressing_style": "path"},
)
PROBE_CONFIG = DEFAULT_CONFIG.merge(
    Config(connect_timeout=1, read_timeout=3, retries={"max_attempts": 1, "mode": "standard"})
)

_lock = threading.Lock()
_clients: dict[tuple[str, str], Any] = {}
_session: Any = None


def aws_client(service: str, *, probe: bool = False) -> Any:
    """A cached client for `service`; `probe=True` gives one that gives up quickly."""
    key = (service, "probe" if probe else "default")
    client = _clients.get(key)
    if client is None:
        with _lock:
            client = _clients.get(key)
            if client is None:
                client = _build(service, get_settings(), PROBE_CONFIG if probe else DEFAULT_CONFIG)
                _clients[key] = client
    return client


def _build(service: str, settings: Settings, config: Config) -> Any:
    """Called under `_lock`: a boto3 session may build clients from one thread at a time."""
    global _session  # noqa: PLW0603 - the one shared session, rebuilt on reload
    if _session is None:
        import boto3  # deferred: importing boto3 costs a cold start ~0.2 s before any request

        # One session, so service models are loaded once and shared by every client.
        _session = boto3.session.Session(region_name=settings.region)
    if service == "s3":
        # SigV4 presigned URLs: every region accepts them, and they may live up to 7 days.
        config = config.merge(Config(signature_version="s3v4"))
    return _session.client(
        service, endpoint_url=settings.endpoint_url, config=config
    )


def _forget_clients(_: Settings) -> None:
    global _session  # noqa: PLW0603 - the one shared session, rebuilt on reload
    with _lock:
        _clients.clear()
        _session = None


on_settings_reload(_forget_clients)


def s3() -> S3Client:
    return aws_client("s3")  # type: ignore[no-any-return]


def sqs() -> SQSClient:
    return aws_client("sqs")  # type: ignore[no-any-return]


def dynamodb() -> DynamoDBClient:
    return aws_client("dynamodb")  # type: ignore[no-any-return]


def ses() -> SESClient:
    return aws_client("ses")  # type: ignore[no-any-return]


def cloudformation() -> CloudFormationClient:
    return aws_client("cloudformation")  # type: ignore[no-any-return]


_queue_urls: dict[str, str] = {}


def queue_url(queue_name: str) -> str:
    """The URL of a queue, looked up once: never build it by hand (emulators differ)."""
    url = _queue_urls.get(queue_name)
    if url is None:
        url = sqs().get_queue_url(QueueName=queue_name)["QueueUrl"]
        _queue_urls[queue_name] = url
    return url


on_settings_reload(lambda _: _queue_urls.clear())
