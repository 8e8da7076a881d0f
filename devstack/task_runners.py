"""The local stack's task runners: the transcoder as a child process (`local`), or the
transcoder image under `docker run` (`docker`). They stay out of the Lambda package: the
cloud runs the ECS runner only; the local stack's processes (devstack/run.py for the
dispatcher, devstack/api_server.py) and the tests register these at start
(`register_local_runners`), and `REELSTACK_TRANSCODE_RUNNER` names the one to use."""

from __future__ import annotations

import ctypes
import json
import logging
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, ClassVar

from chalicelib.core.clients import queue_url, sqs
from chalicelib.core.settings import Settings
from chalicelib.transcode.jobs import TranscodeJob, unreported_failure
from chalicelib.transcode.runners import SELF_REPORTED_EXITS, register_runner
from devstack.transcoder_process import TRANSCODER_DIR, transcoder_pythonpath

logger = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
STOP_GRACE_SECONDS = 30  # time to take back its uploads and report, as ECS gives


def register_local_runners() -> None:
    """Make `local` and `docker` runners that `task_runner(settings)` may hand out."""
    register_runner("local", LocalProcessRunner)
    register_runner("docker", DockerRunner)


def exited_event(job: TranscodeJob, exit_code: int) -> dict[str, Any]:
    reason = f"the transcoder stopped unexpectedly (exit code {exit_code})"
    return {**unreported_failure(job.run_id, reason), "movie_id": job.movie_id,
            "version": job.version}


class LocalProcessRunner:
    """`python -m transcoder run ...` as a child process, started and watched by a thread
    of its own. The transcoder gets SIGTERM when that thread ends, which is when it
    exits or when the dev stack does (even killed): none outlives `make run`.

    The processes that run are kept by run id for the whole process, not per runner: the
    handler builds a runner per event, and the dispatcher that starts a task is the one
    that stops it (a pid alone could name another process by then)."""

    _running: ClassVar[dict[str, subprocess.Popen[bytes]]] = {}
    _running_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, settings: Settings, transcoder_dir: Path = TRANSCODER_DIR) -> None:
        self.settings = settings
        self.transcoder_dir = transcoder_dir
        self.env = {**os.environ, "PYTHONPATH": transcoder_pythonpath(transcoder_dir)}

    def start(self, job: TranscodeJob) -> str:
        log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - handed to the watcher
            prefix=f"transcode-{job.movie_id}-", suffix=".log", delete=False)
        started: queue.Queue[subprocess.Popen[bytes] | OSError] = queue.Queue(maxsize=1)
        threading.Thread(target=self._run, args=(job, log, started), daemon=True,
                         name=f"watch-{job.run_id}").start()
        process = started.get()
        if isinstance(process, OSError):
            raise process
        logger.info("transcoder started", extra={"pid": process.pid, "log": log.name,
                                                 "job": job.run_id})
        return f"local:{process.pid}"

    def command(self, job: TranscodeJob) -> list[str]:
        """The transcoder's arguments; a read rate (a setting) slows the source's reading
        so that a test or a demo sees a movie play while it is still being encoded."""
        rate = self.settings.transcoding.read_rate
        return [*job.arguments(self.settings), *(["--read-rate", f"{rate:g}"] if rate else [])]

    def _run(self, job: TranscodeJob, log: IO[bytes],
             started: queue.Queue[subprocess.Popen[bytes] | OSError]) -> None:
        try:
            # On this thread: the parent-death signal follows the thread that forks.
            process = subprocess.Popen(
                [sys.executable, "-m", "transcoder", *self.command(job)],
                cwd=self.transcoder_dir, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True, preexec_fn=_terminated_with_parent(),  # noqa: PLW1509
            )
        except OSError as error:
            started.put(error)
            return
        with self._running_lock:
            self._running[job.run_id] = process
        started.put(process)
        try:
            self._watch(job, process, log.name)
        finally:
            with self._running_lock:
                self._running.pop(job.run_id, None)

    def stop(self, task_id: str, run_id: str) -> None:
        with self._running_lock:
            process = self._running.get(run_id)
        if process is None or f"local:{process.pid}" != task_id:
            return  # ended already (or started by another dispatcher)
        process.send_signal(signal.SIGTERM)  # a no-op once it has been waited for

    def _watch(self, job: TranscodeJob, process: subprocess.Popen[bytes], log: str) -> None:
        code = process.wait()
        if code not in SELF_REPORTED_EXITS:
            logger.warning("transcoder died", extra={"job": job.run_id, "code": code,
                                                     "log": log})
            try:
                sqs().send_message(QueueUrl=queue_url(self.settings.queues.transcode_events),
                                   MessageBody=json.dumps(exited_event(job, code)))
            except Exception:  # the stack itself is gone (make run stopping): say so
                logger.exception("could not report the transcoder's end",
                                 extra={"job": job.run_id})
        if code < 0:  # killed by a signal: its work folder may be left behind
            self._sweep_work_folders()

    def _sweep_work_folders(self) -> None:
        try:
            subprocess.run([sys.executable, "-m", "transcoder", "sweep"],
                           cwd=self.transcoder_dir, env=self.env, capture_output=True,
                           check=True, timeout=60)
        except (OSError, subprocess.SubprocessError):  # the next transcoder sweeps too
            logger.warning("could not sweep the transcoders' work folders", exc_info=True)


def _terminated_with_parent() -> Callable[[], None] | None:
    """A `preexec_fn` for SIGTERM when the starting thread ends (Linux's prctl; None
    elsewhere). Two system calls and no lock, so safe in a threaded process."""
    if sys.platform != "linux":
        return None
    libc, parent = ctypes.CDLL(None, use_errno=True), os.getpid()

    def arm() -> None:
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died before the line above took hold
            os.kill(os.getpid(), signal.SIGTERM)

    return arm


class DockerRunner:
    """`docker run` of the transcoder image, detached, for a machine with a Docker engine."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def start(self, job: TranscodeJob) -> str:
        passed = ["AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                  "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION", "AWS_REGION"]
        env_flags = [flag for name in passed if name in os.environ for flag in ("-e", name)]
        result = subprocess.run(
            ["docker", "run", "--rm", "--detach", "--network", "host", *env_flags,
             self.settings.transcoding.image, *job.arguments(self.settings)],
            check=True, capture_output=True, text=True, timeout=60,
        )
        return f"docker:{result.stdout.strip()[:12]}"

    def stop(self, task_id: str, run_id: str) -> None:
        # `docker stop` sends SIGTERM, then SIGKILL after the grace period, and waits
        # for the end: on a thread of its own.
        command = ["docker", "stop", "--time", str(STOP_GRACE_SECONDS),
                   task_id.removeprefix("docker:")]
        threading.Thread(target=subprocess.run, args=(command,), daemon=True,
                         kwargs={"capture_output": True, "check": False,
                                 "timeout": STOP_GRACE_SECONDS + 60},
                         name=f"stop-{run_id}").start()


