"""Alarms, to an SNS topic (mailed to `AlarmEmail` when one is given): a message in any
dead-letter queue, and transcodes failing more than now and then."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from chalicelib.core.settings import Queues
from cloud import names
from cloud.intrinsics import Json, get_att, ref, sub
from cloud.stack import StackResources
from cloud.transcoder import metric_namespace

FIVE_MINUTES = 300
TRANSCODE_FAILURES_PER_HOUR = 3


def monitoring_resources(stack: StackResources) -> dict[str, Any]:
    resources: dict[str, Any] = {
        names.ALARM_TOPIC: {"Type": "AWS::SNS::Topic",
                            "Properties": {"TopicName": sub(f"${{{names.PREFIX}}}-alarms")}},
        "AlarmEmailSubscription": {
            "Type": "AWS::SNS::Subscription",
            "Condition": "HasAlarmEmail",
            "Properties": {"TopicArn": ref(names.ALARM_TOPIC), "Protocol": "email",
                           "Endpoint": ref("AlarmEmail")},
        },
        "TranscodeFailuresAlarm": _alarm(
            f"more than {TRANSCODE_FAILURES_PER_HOUR} transcodes failed in an hour",
            namespace=metric_namespace(), metric="TranscodeFailures", statistic="Sum",
            period=3600, threshold=TRANSCODE_FAILURES_PER_HOUR),
    }
    for queue in fields(Queues):
        dead_letter = stack.dead_letter_queue(queue.name)
        resources[f"{dead_letter}DepthAlarm"] = _alarm(
            f"messages are dead-lettered from {queue.name.replace('_', '-')}",
            namespace="AWS/SQS", metric="ApproximateNumberOfMessagesVisible",
            statistic="Maximum", period=FIVE_MINUTES, threshold=0,
            dimensions=[{"Name": "QueueName", "Value": get_att(dead_letter, "QueueName")}])
    return resources


def _alarm(description: str, *, namespace: Any, metric: str, statistic: str, period: int,
           threshold: int, dimensions: list[Json] | None = None) -> Json:
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmDescription": sub(f"${{{names.PREFIX}}}: {description}"),
            "Namespace": namespace, "MetricName": metric, "Dimensions": dimensions or [],
            "Statistic": statistic, "Period": period, "EvaluationPeriods": 1,
            "Threshold": threshold, "ComparisonOperator": "GreaterThanThreshold",
            "TreatMissingData": "notBreaching",
            "AlarmActions": [ref(names.ALARM_TOPIC)], "OKActions": [ref(names.ALARM_TOPIC)],
        },
    }
