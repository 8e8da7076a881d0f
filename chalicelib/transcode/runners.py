"""The TaskRunner port and its cloud adapter, ECS RunTask. Other runners (the local
stack's child process and `docker run`: devstack/task_runners.py; fakes in tests) are
registered by name where they run; `REELSTACK_TRANSCODE_RUNNER` names the one to use."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

from chalicelib.core.clients import aws_client
from chalicelib.core.settings import Settings
from chalicelib.transcode.jobs import TranscodeJob

# The transcoder reports its own failures and exits 1 or 2; anything else (a signal,
# an import error, 3 when its closing event could not be sent) means it could not, so
# the runner (or, on ECS, the task-stopped rule) reports for it.
SELF_REPORTED_EXITS = {0, 1, 2}


class TaskRunner(Protocol):
    def start(self, job: TranscodeJob) -> str:
        """Start the transcoder for `job`; returns a task id. Must not wait for it."""
        ...

    def stop(self, task_id: str, run_id: str) -> None:
        """Ask the task that `start` returned `task_id` for (the run `run_id`) to stop, if
        it still runs: it gets SIGTERM, takes back what it uploaded and sends a failed
        event that the handler finds stale. Must not wait for it to end."""
        ...


class EcsRunner:
    """ECS RunTask on Fargate with the job as the container's command."""

    def __init__(self, settings: Settings, ecs_client: Any | None = None) -> None:
        self.settings = settings
        self._ecs = ecs_client

    def start(self, job: TranscodeJob) -> str:
        config = self.settings.transcoding
        ecs = self._ecs or aws_client("ecs")
        size = _task_size(job, self.settings)
        response = ecs.run_task(
            cluster=config.ecs_cluster, taskDefinition=config.ecs_task_definition,
            launchType="FARGATE", count=1, startedBy=f"reelstack-{job.job_id}"[:36],
            networkConfiguration={"awsvpcConfiguration": {
                "subnets": list(config.ecs_subnets),
                "securityGroups": list(config.ecs_security_groups),
                "assignPublicIp": config.ecs_assign_public_ip,
            }},
            overrides={**{k: str(v) for k, v in size.items()}, "containerOverrides": [{
                "name": config.ecs_container, "command": job.arguments(self.settings),
                **size,  # the container's reservation must fit in the task's
            }]},
        )
        if response.get("failures") or not response.get("tasks"):
            raise RuntimeError(f"ECS could not start the transcoder: {response.get('failures')}")
        return str(response["tasks"][0]["taskArn"])

    def stop(self, task_id: str, run_id: str) -> None:
        """StopTask sends SIGTERM and, after the task definition's stop timeout, SIGKILL;
        stopping a task that has stopped already is accepted."""
        ecs = self._ecs or aws_client("ecs")
        ecs.stop_task(cluster=self.settings.transcoding.ecs_cluster, task=task_id,
                      reason=f"reelstack: {run_id} is no longer needed"[:255])


@runtime_checkable
class SizedTask(Protocol):
    def task_size(self, settings: Settings) -> tuple[int, int] | None:
        """Fargate CPU units and MiB of memory; None: the task definition's."""
        ...


def _task_size(job: TranscodeJob, settings: Settings) -> dict[str, int]:
    size = job.task_size(settings) if isinstance(job, SizedTask) else None
    return {} if size is None else {"cpu": size[0], "memory": size[1]}


RunnerFactory = Callable[[Settings], TaskRunner]
_runners: dict[str, RunnerFactory] = {"ecs": EcsRunner}


def register_runner(name: str, factory: RunnerFactory) -> None:
    """Offer a runner under `name` in this process (the local stack's, a test's)."""
    _runners[name] = factory


def task_runner(settings: Settings) -> TaskRunner:
    factory = _runners.get(settings.transcoding.runner)
    if factory is None:
        raise ValueError(f"REELSTACK_TRANSCODE_RUNNER must be one of {', '.join(_runners)}")
    return factory(settings)
