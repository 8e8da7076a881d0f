"""The whole task: read the source from S3, transcode it, publish it as it is encoded,
tell the catalog.

Whatever happens, the catalog hears exactly one closing event (ready or failed), at most
one `playable` before it, nothing of the version is left in the media bucket after a
failure, and the work folder is gone when `run_job` returns (or, if the process is
killed outright, when the next job starts: transcoder/workspace.py).
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from transcoder.errors import EventNotSent, TranscodeFailed, TranscoderError
from transcoder.events import (
    Event,
    EventSink,
    JobIdentity,
    failed_event,
    playable_event,
    progress_event,
    ready_event,
)
from transcoder.progress import ProgressCallback
from transcoder.progressive import LivePublisher, Playable
from transcoder.publish import Publication, publish_folder
from transcoder.results import EncodePlan, TranscodeResult
from transcoder.source import SourceInput
from transcoder.storage import ObjectStore
from transcoder.transcode import transcode
from transcoder.workspace import make_workspace, sweep_abandoned

logger = logging.getLogger(__name__)

# The source's URL outlives the transcode's own time limit by this much: the poster is
# read after the encode.
URL_MARGIN_SECONDS = 600


class Transcoder(Protocol):
    def __call__(self, source: SourceInput, output_dir: Path, *, on_progress: ProgressCallback,
                 timeout_seconds: float, on_encode: Callable[[EncodePlan], None],
                 read_rate: float | None) -> TranscodeResult: ...


@dataclass(frozen=True)
class JobRequest:
    job: JobIdentity
    source_bucket: str
    source_key: str
    media_bucket: str
    timeout_seconds: float
    work_dir: Path | None = None  # None: the system's temporary folder
    read_rate: float | None = None  # x real time: slows the encode (tests, demos)


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
    # ffmpeg reads the source where it is, in ranges: the encode, and so the first
    # playable moment, need not wait for a download of the whole file.
    size = store.size(request.source_bucket, request.source_key)
    url = store.presigned_get(request.source_bucket, request.source_key,
                              round(request.timeout_seconds) + URL_MARGIN_SECONDS)
    source = SourceInput.at_url(url, size, request.source_key)
    job = request.job
    publication = Publication(store, request.media_bucket, job.prefix)
    live = LivePublisher(publication, workspace / "live",
                         on_playable=lambda playable: _announce(job, playable, events, clock))

    def report(percent: float) -> None:
        live.check()  # a failed upload ends the encode here, rather than at its end
        _courtesy(events, progress_event(job, percent, clock()))

    try:
        result = transcoder(source, workspace / "output", on_progress=report,
                            timeout_seconds=request.timeout_seconds, on_encode=live.start,
                            read_rate=request.read_rate)
        published = live.finish()
        publish_folder(store, workspace / "output", request.media_bucket, job.prefix,
                       result.master_playlist, publication=publication, published=published)
    except BaseException:  # a stop request too: whatever went up comes down
        live.stop()
        publication.take_back()
        raise
    return ready_event(job, result)


def _announce(job: JobIdentity, playable: Playable, events: EventSink,
              clock: Callable[[], datetime]) -> None:
    _courtesy(events, playable_event(
        job, master_playlist=playable.master_playlist, renditions=playable.renditions,
        audio=playable.audio, duration=playable.duration, thumbnail=None, at=clock()))


def _courtesy(events: EventSink, event: Event) -> None:
    """Progress and `playable` are courtesies: a lost one must not stop the encode (the
    catalog then learns of the version at `ready`)."""
    try:
        events.send(event)
    except TranscoderError:
        raise
    except Exception:
        logger.warning("could not send the %s event of job %s", event["type"],
                       event["job_id"], exc_info=True)
