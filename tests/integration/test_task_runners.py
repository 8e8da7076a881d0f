"""The TaskRunner adapters: ECS RunTask and StopTask (against moto's ECS) and the local
process, started and stopped; and the runner a setting names, as registered."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import boto3
import pytest

from chalicelib.core.clients import aws_client, queue_url
from chalicelib.core.settings import Settings
from chalicelib.transcode.jobs import TranscodeJob
from chalicelib.transcode.runners import EcsRunner, register_runner, task_runner
from cloud import names
from cloud.package import stage_environment
from devstack.emulator import Emulator, EmulatorKind, start_moto
from devstack.task_runners import DockerRunner, LocalProcessRunner
from tests.support.cloud import FakeStack, api_shape, stage_merge_template
from tests.support.network import free_port

JOB = TranscodeJob("job1", 2, "movie1", "v20260101T000000ab", "uploads", "videos/movie1/a b.mp4")


@pytest.fixture
def ecs_endpoint(emulator: Emulator, tmp_path: Path) -> Iterator[str]:
    """ECS and EC2 from moto: the emulator itself when it is moto; LocalStack's community
    edition has no ECS, so then a moto server of the test's own."""
    if emulator.kind is EmulatorKind.MOTO:
        yield emulator.endpoint
        return
    private = start_moto(f"http://127.0.0.1:{free_port()}", tmp_path / "moto.log")
    yield private.endpoint
    private.stop()


def test_ecs_runtask_starts_the_packaged_task_definition_with_the_job_as_its_command(
    stack: Settings, ecs_endpoint: str
) -> None:
    """The task definition and the runner's settings come from the cloud template, as
    deployed; the overrides are the ones the upload handler builds."""
    ecs = boto3.client("ecs", endpoint_url=ecs_endpoint, region_name=stack.region)
    ec2 = boto3.client("ec2", endpoint_url=ecs_endpoint, region_name=stack.region)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    # As Fargate VPCs usually are (and moto's task ENIs need it, getmoto/moto#9179).
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="transcoders", Description="transcoders",
                                      VpcId=vpc)["GroupId"]
    template = stage_merge_template("dev")
    cloud = FakeStack({"TranscoderSubnetIds": [subnet], names.TRANSCODER_SECURITY_GROUP: group,
                       "TranscoderAssignPublicIp": "DISABLED", "TranscoderImageTag": "1",
                       names.PREFIX: "reelstack-dev"})
    resources = template["Resources"]
    ecs.create_cluster(**api_shape(cloud.resolve(
        resources[names.TRANSCODER_CLUSTER]["Properties"])))
    definition = api_shape(cloud.resolve(resources[names.TRANSCODER_TASK_DEFINITION]["Properties"]))
    registered = ecs.register_task_definition(**definition)["taskDefinition"]
    cloud.values |= {names.TRANSCODER_CLUSTER: "reelstack-dev-transcoders",
                     names.TRANSCODER_TASK_DEFINITION: registered["taskDefinitionArn"]}
    environment = cloud.resolve(template["Globals"]["Function"]["Environment"]["Variables"])
    cloud_settings = Settings.from_env({**stage_environment("dev"), **environment,
                                        "AWS_ENDPOINT_URL": stack.endpoint_url or ""})
    settings = dataclasses.replace(stack, transcoding=cloud_settings.transcoding)
    assert isinstance(task_runner(settings), EcsRunner)

    task_arn = EcsRunner(settings, ecs).start(JOB)

    [task] = ecs.describe_tasks(cluster="reelstack-dev-transcoders", tasks=[task_arn])["tasks"]
    assert task["taskDefinitionArn"] == registered["taskDefinitionArn"]
    assert (registered["cpu"], registered["memory"], registered["networkMode"]) == (
        "4096", "8192", "awsvpc")
    assert task["launchType"] == "FARGATE"
    [override] = task["overrides"]["containerOverrides"]
    assert override["name"] == registered["containerDefinitions"][0]["name"] == "transcoder"
    command = override["command"]
    assert command == JOB.arguments(settings)
    assert command[command.index("--source-key") + 1] == "videos/movie1/a b.mp4"
    assert command[command.index("--job-id") + 1] == "job1.2"
    assert command[command.index("--events-queue-url") + 1] == queue_url(
        stack.queues.transcode_events)

    EcsRunner(settings, ecs).stop(task_arn, JOB.run_id)

    [stopped] = ecs.describe_tasks(cluster="reelstack-dev-transcoders", tasks=[task_arn])["tasks"]
    assert stopped["desiredStatus"] == "STOPPED"
    assert stopped["stoppedReason"] == "reelstack: job1.2 is no longer needed"


class RecordingRunner:
    """A runner a test registers: it starts nothing, and says what it was asked."""

    def __init__(self, settings: Settings) -> None:
        self.started: list[str] = []

    def start(self, job: TranscodeJob) -> str:
        self.started.append(job.run_id)
        return f"recorded:{job.run_id}"

    def stop(self, task_id: str, run_id: str) -> None:
        pass


def _running(settings: Settings, runner: str) -> Settings:
    return dataclasses.replace(
        settings, transcoding=dataclasses.replace(settings.transcoding, runner=runner))


def test_the_runner_a_setting_names_is_the_one_registered_under_that_name(
    deployed_stack: Settings,
) -> None:
    stack = deployed_stack  # nothing is written: nothing to empty after
    register_runner("recording", RecordingRunner)

    runner = task_runner(_running(stack, "recording"))

    assert isinstance(runner, RecordingRunner)
    assert runner.start(JOB) == "recorded:job1.2"
    # The local stack's runners, registered by it (here by tests/conftest.py) and not
    # by the package, which knows the ECS one only.
    assert isinstance(task_runner(_running(stack, "local")), LocalProcessRunner)
    assert isinstance(task_runner(_running(stack, "docker")), DockerRunner)
    with pytest.raises(ValueError, match="REELSTACK_TRANSCODE_RUNNER must be one of ecs, "):
        task_runner(_running(stack, "kubernetes"))


def test_a_local_transcoder_that_dies_is_reported_for_it(stack: Settings, tmp_path: Path) -> None:
    """A stand-in transcoder that is killed before it can say anything."""
    package = tmp_path / "transcoder"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "__main__.py").write_text(
        "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n")

    LocalProcessRunner(stack, transcoder_dir=tmp_path).start(JOB)

    sqs, url = aws_client("sqs"), queue_url(stack.queues.transcode_events)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        for message in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", []):
            event = json.loads(message["Body"])
            assert (event["type"], event["job_id"], event["retryable"]) == (
                "failed", "job1.2", True)
            assert "-9" in event["reason"]
            return
    raise AssertionError("no failed event for the killed transcoder")


def test_a_local_transcoder_is_stopped_by_its_run_id_and_reports_for_itself(
    stack: Settings, tmp_path: Path,
) -> None:
    """A stand-in transcoder that waits to be stopped and, as the real one, exits 1 on
    SIGTERM: the runner sends no failed event of its own for it."""
    package, stopped, ready = tmp_path / "transcoder", tmp_path / "stopped", tmp_path / "ready"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "__main__.py").write_text(
        "import pathlib, signal, sys, time\n"
        "def stop(signum, frame):\n"
        f"    pathlib.Path({str(stopped)!r}).write_text(signal.Signals(signum).name)\n"
        "    sys.exit(1)\n"
        "signal.signal(signal.SIGTERM, stop)\n"
        f"pathlib.Path({str(ready)!r}).touch()\n"
        "while True:\n    time.sleep(0.05)\n")
    runner = LocalProcessRunner(stack, transcoder_dir=tmp_path)
    task_id = runner.start(JOB)
    _wait(ready.exists, "the stand-in to start")

    LocalProcessRunner(stack, transcoder_dir=tmp_path).stop(task_id, JOB.run_id)

    _wait(stopped.exists, "the stand-in to get SIGTERM")
    assert stopped.read_text() == "SIGTERM"
    _wait(lambda: JOB.run_id not in LocalProcessRunner._running, "the runner to see it end")
    runner.stop(task_id, JOB.run_id)  # ended: nothing to stop, no error
    sqs, url = aws_client("sqs"), queue_url(stack.queues.transcode_events)
    assert sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", []) == []


def _wait(predicate: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)
