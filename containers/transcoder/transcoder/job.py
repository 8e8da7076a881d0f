"""The whole task: fetch the source from S3, transcode it, publish it, tell the catalog.

Whatever happens, the catalog hears exactly one closing event (ready or failed) and the
work folder is gone when `run_job` returns (or, if the process is killed outright, when
the next job starts: transcoder/workspace.py).
"""

from __future__ import annotations

import logging
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Protocol

from transcoder.errors import EventNotSent, TranscodeFailed, TranscoderError
from transcoder.events import (
    Event,
    EventSink,
    JobIdentity,
    failed_event,
    progress_event,
    ready_event,
)
from transcoder.progress import ProgressCallback
from transcoder.publish import publish_folder
from transcoder.results import TranscodeResult
from transcoder.storage import ObjectStore
from transcoder.transcode import transcode
from transcoder.workspace import make_workspace, sweep_abandoned

logger = logging.getLogger(__name__)

# Kept from the key only when it looks like one: a hint for ffmpeg, never a path.
_SUFFIX = re.compile(r"^\.[A-Za-z0-9]{1,8}$")


class Transcoder(Protocol):
    def __call__(self, source: Path, output_dir: Path, *, on_progress: ProgressCallback,
                 timeout_seconds: float) -> TranscodeResult: ...


@dataclass(frozen=True)
class JobRequest:
    job: JobIdentity
    source_bucket: str
    source_key: str
    media_bucket: str
    timeout_seconds: float
    work_dir: Path | None = None  # None: the system's temporary folder


def run_job(
    request: JobRequest,
    *,
    store: ObjectStore,
    events: EventSink,
    transcoder: Transcoder = transcode,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Event:
    """Run the job and return the closing event it sent; EventNotSent if it could not."""
    sweep_abandoned(request.work_dir)
    workspace = make_workspace(request.work_dir)
    try:
        event = _transcode_and_publish(request, workspace, store=store, events=events,
                                       transcoder=transcoder, clock=clock)
    except TranscoderError as error:
        logger.warning("job %s failed: %s (%s)", request.job.job_id, error.reason, error.code)
        event = failed_event(request.job, error)
    except Exception as error:  # a bug must still reach the catalog, or the movie hangs
        logger.exception("job %s broke", request.job.job_id)
        event = failed_event(request.job, TranscodeFailed(f"unexpected error: {error!r}"))
    finally:
        shutil.rmtree(workspace, ignore_errors=True)
    try:
        events.send(event)
    except Exception as error:
        raise EventNotSent(f"could not send the {event['type']} event: {error}") from error
    return event


def _transcode_and_publish(request: JobRequest, workspace: Path, *, store: ObjectStore,
                           events: EventSink, transcoder: Transcoder,
                           clock: Callable[[], datetime]) -> Event:
    suffix = PurePosixPath(request.source_key).suffix
    source = workspace / ("source" + (suffix if _SUFFIX.match(suffix) else ""))
    store.download(request.source_bucket, request.source_key, source)

    def report(percent: float) -> None:
        try:
            events.send(progress_event(request.job, percent, clock()))
        except TranscoderError:
            raise
        except Exception:  # progress is a courtesy: a lost one must not stop the encode
            logger.warning("could not send progress of job %s", request.job.job_id,
                           exc_info=True)

    result = transcoder(source, workspace / "output", on_progress=report,
                        timeout_seconds=request.timeout_seconds)
    publish_folder(store, workspace / "output", request.media_bucket, request.job.prefix,
                   result.master_playlist)
    return ready_event(request.job, result)
