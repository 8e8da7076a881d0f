"""Is the stack usable? One quick probe per dependency, run side by side."""

from __future__ import annotations

import contextvars
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.core.clients import aws_client
from chalicelib.core.settings import Settings


@dataclass(frozen=True)
class DependencyCheck:
    name: str
    ok: bool
    detail: str
    latency_ms: float


@dataclass(frozen=True)
class HealthReport:
    stage: str
    checks: tuple[DependencyCheck, ...]

    @property
    def healthy(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def failing(self) -> list[str]:
        return [check.name for check in self.checks if not check.ok]

    def to_body(self) -> dict[str, object]:
        return {
            "status": "ok" if self.healthy else "unavailable",
            "stage": self.stage,
            "checks": {check.name: asdict(check) for check in self.checks},
        }


def _dynamodb(settings: Settings) -> str:
    table = aws_client("dynamodb", probe=True).describe_table(TableName=settings.tables.users)
    return f"table {settings.tables.users} is {table['Table']['TableStatus']}"


def _s3(settings: Settings) -> str:
    client = aws_client("s3", probe=True)
    for bucket in (settings.buckets.uploads, settings.buckets.media):
        client.head_bucket(Bucket=bucket)
    return f"buckets {settings.buckets.uploads}, {settings.buckets.media} reachable"


def _sqs(settings: Settings) -> str:
    client = aws_client("sqs", probe=True)
    for queue in settings.queues.all().values():
        client.get_queue_url(QueueName=queue)
    return f"{len(settings.queues.all())} queues reachable"


PROBES: dict[str, Callable[[Settings], str]] = {"dynamodb": _dynamodb, "s3": _s3, "sqs": _sqs}


def _run(name: str, probe: Callable[[Settings], str], settings: Settings) -> DependencyCheck:
    started = time.perf_counter()
    try:
        ok, detail = True, probe(settings)
    except (BotoCoreError, ClientError) as error:
        ok, detail = False, str(error)
    elapsed = round((time.perf_counter() - started) * 1000, 1)
    return DependencyCheck(name=name, ok=ok, detail=detail, latency_ms=elapsed)


def check_health(settings: Settings) -> HealthReport:
    with ThreadPoolExecutor(max_workers=len(PROBES)) as pool:
        # Each probe runs in the request's context, so its log lines carry the request id.
        futures = [pool.submit(contextvars.copy_context().run, _run, name, probe, settings)
                   for name, probe in PROBES.items()]
        checks = tuple(future.result() for future in futures)
    return HealthReport(stage=settings.stage, checks=checks)
