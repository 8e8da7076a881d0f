"""Upload notifications as the transcode-jobs queue receives them, and a runner fake."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from chalicelib.core.clients import aws_client, queue_url
from chalicelib.core.settings import Settings
from chalicelib.transcode.jobs import TranscodeJob
from chalicelib.transcode.uploads import uploaded_objects


def next_upload_notification(settings: Settings, timeout: float = 10) -> str:
    """The body of the next notification that announces an upload (TestEvents skipped)."""
    sqs, url = aws_client("sqs"), queue_url(settings.queues.transcode_jobs)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", []):
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            if uploaded_objects(message["Body"]):
                return str(message["Body"])
    raise AssertionError("no upload notification arrived")


@dataclass
class RecordingRunner:
    """A TaskRunner that starts nothing and remembers what it was asked to start."""

    started: list[TranscodeJob] = field(default_factory=list)

    def start(self, job: TranscodeJob) -> str:
        self.started.append(job)
        return f"recorded:{len(self.started)}"
