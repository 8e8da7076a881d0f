"""The tasks of a chunked transcode as the runners see them: one per chunk, one for the
audio and one that finishes (transcoder/chunk_job.py runs them).

A task is a `TranscodeJob` with its own command and run id, so every TaskRunner (ECS,
local, Docker) starts it, and reports its unexpected end, as it does the job's first
task. The run id names the job's attempt, the task and the task's own attempt:
`<job>.<attempt>/<task>.<task attempt>`; the task echoes it in its events and ECS
echoes it in the stopped task's command, so every event finds its chunk.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from chalicelib.core.clients import queue_url
from chalicelib.core.settings import Settings
from chalicelib.core.validation import ascii_int
from chalicelib.transcode.jobs import TranscodeJob, split_run_id

AUDIO, FINISH = "audio", "finish"
CHUNK_PREFIX = "c"  # "c0", "c1"...: the chunk's index


def chunk_task(index: int) -> str:
    return f"{CHUNK_PREFIX}{index}"


def chunk_index(task: str) -> int | None:
    return ascii_int(task.removeprefix(CHUNK_PREFIX)) if task.startswith(CHUNK_PREFIX) else None


@dataclass(frozen=True)
class TaskRun:
    """Which task of which job attempt an event or a stopped task speaks for."""

    job_run_id: str  # "<job>.<attempt>"
    task: str  # "c0", "audio", "finish"
    attempt: int  # the task's own, from 1

    @property
    def run_id(self) -> str:
        return f"{self.job_run_id}/{self.task}.{self.attempt}"

    @classmethod
    def parse(cls, run_id: str) -> TaskRun | None:
        """None for a job's own run id (no task in it) or one that is not well formed."""
        job_run_id, slash, task_run = run_id.partition("/")
        task, _, attempt = task_run.rpartition(".")
        if not slash or not task or split_run_id(job_run_id)[1] < 1:
            return None
        number = ascii_int(attempt)
        if number is None or number < 1:
            return None
        if task not in (AUDIO, FINISH) and chunk_index(task) is None:
            return None
        return cls(job_run_id, task, number)


@dataclass(frozen=True)
class ChunkTask(TranscodeJob):
    """One task of a chunked transcode of `job`: `command` is its subcommand and options
    beyond the job's identity (transcoder/chunk_job.py parses them)."""

    task: str = ""
    task_attempt: int = 1
    command: tuple[str, ...] = ()

    @classmethod
    def of(cls, job: TranscodeJob, task: str, task_attempt: int,
           command: tuple[str, ...]) -> ChunkTask:
        return cls(job.job_id, job.attempt, job.movie_id, job.version, job.source_bucket,
                   job.source_key, task=task, task_attempt=task_attempt, command=command)

    @property
    def run_id(self) -> str:
        return TaskRun(f"{self.job_id}.{self.attempt}", self.task, self.task_attempt).run_id

    def arguments(self, settings: Settings) -> list[str]:
        return [
            *self.command, "--source-bucket", self.source_bucket,
            "--source-key", self.source_key, "--movie-id", self.movie_id,
            "--version", self.version, "--media-bucket", settings.buckets.media,
            "--events-queue-url", queue_url(settings.queues.transcode_events),
            "--job-id", self.run_id, "--timeout", str(settings.transcoding.timeout_seconds),
        ]

    def task_size(self, settings: Settings) -> tuple[int, int] | None:
        """A size of the chunk tasks' own (runners.SizedTask), if the settings give one."""
        config = settings.transcoding
        return (config.chunk_task_cpu, config.chunk_task_memory) \
            if config.chunk_task_cpu and config.chunk_task_memory else None


def task_command(task: str, plan: dict[str, Any], threads: int) -> tuple[str, ...]:
    """The subcommand and plan options of `task`, from the plan the first task sent (as
    recorded on the job): only what the task needs, since ECS caps a task's overrides at
    8 KiB whatever the film's length."""
    common = ("--ladder", json.dumps(plan["ladder"]), "--source-seconds",
              repr(float(plan["duration"])), "--shift", repr(float(plan["shift"])))
    if task == AUDIO:
        return ("chunk-audio", *common)
    if task == FINISH:
        return ("chunk-finish", *common, "--chunk-count", str(len(plan["chunks"])))
    index = chunk_index(task)
    assert index is not None
    return ("chunk", *common, "--chunk", json.dumps(plan["chunks"][index]),
            "--threads", str(threads))
