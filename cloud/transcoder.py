"""The transcoder on ECS Fargate: image repository, cluster, task definition, roles, logs,
and the rule that reports a task which stopped without saying how its job ended.

Sizing, measured here on a 60 s 1080p30 source (the whole 480/720/1080p ladder in one
ffmpeg pass, docs/scaling.md): 61-65 CPU-seconds, so about 1.1 CPU-seconds per second of
source, and 437 MB peak memory. At 4 vCPU a two-hour film takes some 35-40 minutes (at 2
vCPU, over an hour); the job timeout is three hours in the cloud, for long films on slower
vCPUs. 8 GB is the least Fargate gives 4 vCPU (the encoders need a twentieth of it). The
source and the renditions sit on the task's disk until they are published: 100 GiB of
ephemeral storage holds a two-hour mezzanine and its ladder.
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib.core import envvars
from chalicelib.core.settings import Settings
from cloud import names
from cloud.access import DELETE, READ, WRITE, Objects
from cloud.intrinsics import Json, get_att, policy_document, ref, statement, sub
from cloud.policies import ECS_TASKS, object_statements
from cloud.stack import StackResources

TASK_CPU = "4096"
JOB_TIMEOUT_SECONDS = 3 * 3600
TASK_MEMORY = "8192"
EPHEMERAL_STORAGE_GIB = 100
STOP_TIMEOUT_SECONDS = 120  # Fargate's most: the job kills ffmpeg and takes back its upload
LOG_RETENTION_DAYS = 30
KEEP_IMAGES = 10

# What the task itself may do: read sources, publish renditions, report on the queue; as
# `acquire`, stream a requested movie's source into the uploads bucket and report on the
# movie-requests queue.
TASK_OBJECTS = (Objects("uploads", "videos/", frozenset({READ, WRITE})),
                Objects("media", "videos/", frozenset({WRITE, DELETE})))

# CloudWatch metrics the task's log lines become (see transcoder/events.py LoggedEventSink).
METRIC_OF_EVENT = {"progress": "TranscodeProgress", "ready": "TranscodesReady",
                   "failed": "TranscodeFailures"}


def metric_namespace() -> Json:
    return sub(f"Reelstack/${{{names.PREFIX}}}")


def transcoder_resources(stack: StackResources, settings: Settings) -> dict[str, Any]:
    return {
        names.TRANSCODER_REPOSITORY: _repository(),
        names.TRANSCODER_CLUSTER: {
            "Type": "AWS::ECS::Cluster",
            "Properties": {"ClusterName": sub(f"${{{names.PREFIX}}}-transcoders"),
                           "CapacityProviders": ["FARGATE", "FARGATE_SPOT"]},
        },
        names.TRANSCODER_LOG_GROUP: {
            "Type": "AWS::Logs::LogGroup",
            "Properties": {"LogGroupName": sub(f"/reelstack/${{{names.PREFIX}}}/transcoder"),
                           "RetentionInDays": LOG_RETENTION_DAYS},
        },
        names.TRANSCODER_EXECUTION_ROLE: _task_role(_execution_policy(), "ImagePullAndLogs"),
        names.TRANSCODER_TASK_ROLE: _task_role(_task_policy(stack), "TranscodeJob"),
        names.TRANSCODER_SECURITY_GROUP: _security_group(),
        names.TRANSCODER_TASK_DEFINITION: _task_definition(settings),
        names.TRANSCODER_STOPPED_RULE: _stopped_rule(stack),
        "TranscodeEventsQueuePolicy": _events_queue_policy(stack),
        **_metric_filters(),
    }


def _repository() -> Json:
    keep_recent = {"rules": [{
        "rulePriority": 1, "description": f"keep the last {KEEP_IMAGES} images",
        "selection": {"tagStatus": "any", "countType": "imageCountMoreThan",
                      "countNumber": KEEP_IMAGES},
        "action": {"type": "expire"},
    }]}
    return {
        "Type": "AWS::ECR::Repository",
        "Properties": {
            "RepositoryName": sub(f"${{{names.PREFIX}}}-transcoder"),
            "ImageScanningConfiguration": {"ScanOnPush": True},
            "LifecyclePolicy": {"LifecyclePolicyText": _json_text(keep_recent)},
        },
    }


def _json_text(value: Json) -> str:
    return json.dumps(value, separators=(",", ":"))


def _task_role(policy: Json, policy_name: str) -> Json:
    trust = policy_document([{
        "Effect": "Allow", "Principal": {"Service": ECS_TASKS}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": ref("AWS::AccountId")}},
    }])
    return {"Type": "AWS::IAM::Role",
            "Properties": {"AssumeRolePolicyDocument": trust,
                           "Policies": [{"PolicyName": policy_name, "PolicyDocument": policy}]}}


def _execution_policy() -> Json:
    return policy_document([
        # ECR's authorization token is account-wide: the API has no resource to name.
        statement("EcrLogin", ["ecr:GetAuthorizationToken"], ["*"]),
        statement("PullTranscoderImage",
                  ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer",
                   "ecr:BatchCheckLayerAvailability"],
                  [get_att(names.TRANSCODER_REPOSITORY, "Arn")]),
        statement("WriteTaskLogs", ["logs:CreateLogStream", "logs:PutLogEvents"],
                  [get_att(names.TRANSCODER_LOG_GROUP, "Arn")]),
    ])


def _task_policy(stack: StackResources) -> Json:
    return policy_document([
        *object_statements(TASK_OBJECTS, stack),
        statement("ReportEvents", ["sqs:SendMessage"], [stack.queue_arn("transcode_events"),
                                                        stack.queue_arn("movie_requests")]),
    ])


def _security_group() -> Json:
    return {
        "Type": "AWS::EC2::SecurityGroup",
        "Properties": {
            "GroupDescription": "Transcoder tasks: no inbound; HTTPS out to ECR, S3, SQS, logs",
            "VpcId": ref("VpcId"),
            "SecurityGroupEgress": [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                                     "CidrIp": "0.0.0.0/0", "Description": "AWS APIs"}],
        },
    }


def _task_definition(settings: Settings) -> Json:
    container = {
        "Name": settings.transcoding.ecs_container,
        "Image": sub(f"${{{names.TRANSCODER_REPOSITORY}.RepositoryUri}}:${{TranscoderImageTag}}"),
        "Essential": True,
        "Cpu": int(TASK_CPU),
        "Memory": int(TASK_MEMORY),
        "StopTimeout": STOP_TIMEOUT_SECONDS,
        # INFO: one line per progress report, which the metric filters count.
        "Environment": [{"Name": envvars.LOG_LEVEL, "Value": "INFO"}],
        "LogConfiguration": {"LogDriver": "awslogs", "Options": {
            "awslogs-group": ref(names.TRANSCODER_LOG_GROUP),
            "awslogs-region": ref("AWS::Region"),
            "awslogs-stream-prefix": "transcoder",
        }},
    }
    return {
        "Type": "AWS::ECS::TaskDefinition",
        "Properties": {
            "Family": sub(f"${{{names.PREFIX}}}-transcoder"),
            "RequiresCompatibilities": ["FARGATE"],
            "NetworkMode": "awsvpc",
            "Cpu": TASK_CPU,
            "Memory": TASK_MEMORY,
            "RuntimePlatform": {"CpuArchitecture": "X86_64", "OperatingSystemFamily": "LINUX"},
            "EphemeralStorage": {"SizeInGiB": EPHEMERAL_STORAGE_GIB},
            "ExecutionRoleArn": get_att(names.TRANSCODER_EXECUTION_ROLE, "Arn"),
            "TaskRoleArn": get_att(names.TRANSCODER_TASK_ROLE, "Arn"),
            "ContainerDefinitions": [container],
        },
    }


def _stopped_rule(stack: StackResources) -> Json:
    """Every stopped task of the cluster, to the transcode-events queue: its handler
    reports the ones whose transcoder could not (chalicelib/transcode/task_events.py)."""
    return {
        "Type": "AWS::Events::Rule",
        "Properties": {
            "Description": "Transcoder tasks that stopped, for the transcode-events handler",
            "EventPattern": {
                "source": ["aws.ecs"], "detail-type": ["ECS Task State Change"],
                "detail": {"clusterArn": [get_att(names.TRANSCODER_CLUSTER, "Arn")],
                           "lastStatus": ["STOPPED"]},
            },
            "Targets": [{"Id": "transcode-events", "Arn": stack.queue_arn("transcode_events")}],
        },
    }


def _events_queue_policy(stack: StackResources) -> Json:
    return {
        "Type": "AWS::SQS::QueuePolicy",
        "Properties": {
            "Queues": [ref(stack.queue("transcode_events"))],
            "PolicyDocument": policy_document([{
                "Sid": "StoppedTranscoderTasks", "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"}, "Action": "sqs:SendMessage",
                "Resource": stack.queue_arn("transcode_events"),
                "Condition": {"ArnEquals": {
                    "aws:SourceArn": get_att(names.TRANSCODER_STOPPED_RULE, "Arn")}},
            }]),
        },
    }


def _metric_filters() -> dict[str, Json]:
    return {
        f"{metric}Filter": {
            "Type": "AWS::Logs::MetricFilter",
            "Properties": {
                "LogGroupName": ref(names.TRANSCODER_LOG_GROUP),
                "FilterPattern": f'{{ $.event = "{event}" }}',
                "MetricTransformations": [{"MetricNamespace": metric_namespace(),
                                           "MetricName": metric, "MetricValue": "1"}],
            },
        }
        for event, metric in METRIC_OF_EVENT.items()
    }


def transcoder_environment(settings: Settings) -> dict[str, Any]:
    """What the functions' TaskRunner (EcsRunner) reads to start the task."""
    return {
        envvars.TRANSCODE_RUNNER: "ecs",
        envvars.TRANSCODE_TIMEOUT_SECONDS: str(JOB_TIMEOUT_SECONDS),
        envvars.ECS_CLUSTER: ref(names.TRANSCODER_CLUSTER),
        envvars.ECS_TASK_DEFINITION: ref(names.TRANSCODER_TASK_DEFINITION),
        envvars.ECS_CONTAINER: settings.transcoding.ecs_container,
        envvars.ECS_SUBNETS: {"Fn::Join": [",", ref("TranscoderSubnetIds")]},
        envvars.ECS_SECURITY_GROUPS: ref(names.TRANSCODER_SECURITY_GROUP),
        envvars.ECS_ASSIGN_PUBLIC_IP: ref("TranscoderAssignPublicIp"),
        # The chunk tasks' size (0: the task definition's), the acquire task's (movie
        # requests' large sources) and when it is used.
        envvars.TRANSCODE_CHUNK_TASK_CPU: str(settings.transcoding.chunk_task_cpu),
        envvars.TRANSCODE_CHUNK_TASK_MEMORY: str(settings.transcoding.chunk_task_memory),
        envvars.SOURCE_TASK_ABOVE_BYTES: str(settings.movie_requests.task_above_bytes),
        envvars.ACQUIRE_TASK_CPU: str(settings.movie_requests.task_cpu),
        envvars.ACQUIRE_TASK_MEMORY: str(settings.movie_requests.task_memory),
        envvars.ACQUIRE_SILENCE_SECONDS: str(settings.movie_requests.task_silence_seconds),
    }
