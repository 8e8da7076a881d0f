"""Large sources are acquired by a task, not by the 15-minute Lambda.

A source over `task_above_bytes` (or of unknown length) on a slow link would outlast the
Lambda, so the acquire step starts `python -m transcoder acquire` through the TaskRunner
(ECS RunTask in the cloud, a local process locally) and returns. The request stays
`acquiring` and names the task's run (`acquire_run`); the task's reports arrive as steps
on the movie-requests queue (transcoder/acquire.py): progress moves its deadline on,
`acquired` moves the request to `transcoding` (the object's S3 event starts the transcode,
as for any upload), `acquire_failed` retries a retryable failure with a new run while
attempts are left (`max_attempts`, as for the in-Lambda step) and fails the request
otherwise.

A task that dies without a report (killed, its host lost, never started) must not leave
the request acquiring for good: as for transcode jobs (transcode/deadlines.py), each run
has a deadline and one delayed *check* on the queue; a check that finds the run unheard
past its deadline counts as a retryable failure. Only the check whose `due` the request
records acts, so a redelivered check forks no second chain. Reports of a run that no
longer has the request are ignored.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from chalicelib.core.clients import queue_url
from chalicelib.core.settings import MovieRequests, Settings, get_settings
from chalicelib.movie_requests import ledger, steps
from chalicelib.movie_requests.landing import part_size_for
from chalicelib.movie_requests.models import ACQUIRING, FAILED, TRANSCODING, RequestRecord
from chalicelib.movie_requests.sources import source_key
from chalicelib.movie_requests.steps import Step
from chalicelib.transcode.deadlines import MAX_DELAY_SECONDS, deadline_from, worth_renewing
from chalicelib.transcode.jobs import TranscodeJob, split_run_id
from chalicelib.transcode.runners import TaskRunner, task_runner

logger = logging.getLogger(__name__)

JOB_PREFIX = "acquire-"
HEARTBEATS_PER_SILENCE = 4  # a task reports four times in the silence it is allowed


@dataclass(frozen=True)
class AcquireTask(TranscodeJob):
    """A run of the acquire task as the TaskRunners see it: `source_bucket/source_key`
    is where the source goes, and `arguments` is the `acquire` subcommand's."""

    request_id: str = ""
    url: str = ""

    @classmethod
    def of(cls, request: RequestRecord, attempt: int, bucket: str) -> AcquireTask:
        movie_id, url = str(request.movie_id), str(request.source)
        return cls(f"{JOB_PREFIX}{request.request_id}", attempt, movie_id, "acquire", bucket,
                   source_key(movie_id, url), request_id=request.request_id, url=url)

    def arguments(self, settings: Settings) -> list[str]:
        limits = settings.movie_requests
        return [
            "acquire", "--url", self.url, "--bucket", self.source_bucket,
            "--key", self.source_key, "--max-bytes", str(limits.source_max_bytes),
            "--part-bytes", str(part_size_for(limits.source_max_bytes)),
            "--read-timeout", f"{limits.source_timeout_seconds:g}",
            "--heartbeat", str(heartbeat_seconds(limits)),
            "--events-queue-url", queue_url(settings.queues.movie_requests),
            "--request-id", self.request_id, "--job-id", self.run_id,
        ]

    def task_size(self, settings: Settings) -> tuple[int, int]:
        """Fargate CPU units and MiB: streaming bytes needs far less than an encode."""
        return settings.movie_requests.task_cpu, settings.movie_requests.task_memory


def heartbeat_seconds(limits: MovieRequests) -> int:
    return max(1, limits.task_silence_seconds // HEARTBEATS_PER_SILENCE)


def start(request: RequestRecord, runner: TaskRunner | None, now: float, *,
          attempt: int = 1, replacing: str | None = None) -> str:
    """Start run `attempt` of the task, in place of run `replacing` (None: the first)."""
    settings = get_settings()
    task = AcquireTask.of(request, attempt, settings.buckets.uploads)
    deadline = deadline_from(now, settings.movie_requests.task_silence_seconds)
    # The check goes out before the run is recorded: a crash in between leaves a check
    # that finds nothing to do, never a run that nothing checks.
    due = _schedule_check(request.request_id, task.run_id, deadline, now)
    held = RequestRecord.acquire_run.does_not_exist() if replacing is None \
        else RequestRecord.acquire_run == replacing
    if not ledger.update_if(request.request_id, (RequestRecord.state == ACQUIRING) & held,
                            acquire_run=task.run_id, acquire_task=None,
                            acquire_deadline=deadline, acquire_check_due=due):
        return "ignored: another delivery has started the task"
    try:
        task_id = (runner or task_runner(settings)).start(task)
    except Exception:  # its deadline check retries it, as it would a task that died
        logger.exception("the acquire task could not start", extra={"run": task.run_id})
        return f"{task.run_id} could not start; its deadline retries it"
    ledger.update_if(request.request_id, RequestRecord.acquire_run == task.run_id,
                     acquire_task=task_id)
    return f"acquiring in a task ({task.run_id})"


def on_report(step: Step, runner: TaskRunner | None, now: float) -> str:
    """A report of an acquire task, or its deadline's check."""
    request = ledger.get_request(step.request_id)
    if request.acquire_run != step.run_id or request.state != ACQUIRING:
        if request.state == FAILED and request.acquire_run == step.run_id:
            steps.announce_settled(request.request_id)  # the first delivery may have died
        return f"ignored: {step.run_id} no longer has the request"
    if step.name == steps.ACQUIRE_PROGRESS:
        return _heard_from(request, now)
    if step.name == steps.ACQUIRED:
        moved = ledger.move(request.request_id, TRANSCODING, allowed_from=[ACQUIRING],
                            unless_changed=RequestRecord.acquire_run == step.run_id,
                            note=f"{step.bytes} bytes acquired by a task",
                            acquire_deadline=None, acquire_check_due=None)
        return "acquired by a task; transcoding" if moved else "ignored: settled meanwhile"
    if step.name == steps.ACQUIRE_DEADLINE:
        return _check(request, step, runner, now)
    return _failed(request, step.reason, retryable=step.retryable, runner=runner, now=now)


def _heard_from(request: RequestRecord, now: float) -> str:
    allowed = get_settings().movie_requests.task_silence_seconds
    renewed = deadline_from(now, allowed)
    if worth_renewing(int(request.acquire_deadline or 0), renewed, allowed):
        ledger.update_if(request.request_id,
                         RequestRecord.acquire_run == request.acquire_run,
                         acquire_deadline=renewed)
    return "acquiring"


def _check(request: RequestRecord, step: Step, runner: TaskRunner | None, now: float
           ) -> str:
    if request.acquire_check_due != step.due:
        return "ignored: another check watches this run"
    deadline = int(request.acquire_deadline or 0)
    if now >= deadline:
        if request.acquire_task:  # silent, perhaps not dead: two runs must not write
            (runner or task_runner(get_settings())).stop(request.acquire_task, step.run_id)
        allowed = get_settings().movie_requests.task_silence_seconds
        return _failed(request, f"no word from the acquire task for {allowed} s: it "
                       "stopped without reporting", retryable=True, runner=runner, now=now)
    due = _schedule_check(request.request_id, step.run_id, deadline, now)
    if not ledger.update_if(request.request_id,
                            (RequestRecord.acquire_run == step.run_id)
                            & (RequestRecord.acquire_check_due == step.due),
                            acquire_check_due=due):
        return "ignored: another check watches this run"
    return f"watching (next check at {due})"


def _failed(request: RequestRecord, reason: str, *, retryable: bool,
            runner: TaskRunner | None, now: float) -> str:
    run_id = str(request.acquire_run)
    attempt = split_run_id(run_id)[1]
    if retryable and attempt < get_settings().movie_requests.max_attempts:
        outcome = start(request, runner, now, attempt=attempt + 1, replacing=run_id)
        return f"retrying after: {reason}; {outcome}"
    why = f"gave up after {attempt} attempts: {reason}" if retryable else reason
    moved = ledger.move(request.request_id, FAILED, allowed_from=[ACQUIRING],
                        unless_changed=RequestRecord.acquire_run == run_id, note=why,
                        reason=why, acquire_deadline=None, acquire_check_due=None)
    if moved is None:
        return "ignored: settled meanwhile"
    steps.announce_settled(request.request_id)
    return f"failed: {why}"


def _schedule_check(request_id: str, run_id: str, deadline: int, now: float) -> int:
    """The check of run `run_id`, due at its deadline or as late as SQS delays a message
    (a later deadline is reached by a chain of checks); returns when it is due."""
    at = int(now)
    delay = max(0, min(MAX_DELAY_SECONDS, deadline - at))
    steps.send_step(Step(steps.ACQUIRE_DEADLINE, request_id, run_id=run_id, due=at + delay),
                    delay_seconds=delay)
    return at + delay
