"""Subtitle tracks an admin adds or removes after the transcode: the transcoder's
`subtitles add|remove` task (docs/subtitles.md), started through the TaskRunner like a
transcode but re-encoding nothing, and its events applied to the catalog's tracks.

A task's run id names what it works on, `subtitles:<movie_id>:<language>:<token>`, so
its events (and the failed event a runner or ECS reports for a task that died) find the
track without a job record; the track keeps the run id, so a superseded task's late
event changes nothing. A movie runs one subtitle task at a time (each rewrites its master
playlist); the others' tracks wait `queued`, and each settled task starts the next.

A task never heard from (its event lost, its host gone) would hold the movie's queue for
good, so each has a deadline watched by a delayed check on the transcode-events queue, as
transcode jobs have (deadlines.py). A subtitle task says nothing until it is done, so the
deadline is not renewed: past it the task is stopped and its track fails with the reason
(an addition) or stays published with it (a removal); not retried, because the admin sees
the reason and uploading the file again is the retry. The next queued track then starts.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any

from chalicelib.catalog import tracks
from chalicelib.catalog.transcoding import movie_exists
from chalicelib.contracts import transcoder_events as schema
from chalicelib.core.clients import queue_url, s3
from chalicelib.core.contract import Model
from chalicelib.core.errors import InvalidInput, NotFound
from chalicelib.core.languages import language_tag
from chalicelib.core.settings import Settings, get_settings
from chalicelib.transcode import deadlines
from chalicelib.transcode.deadlines import DeadlineCheck
from chalicelib.transcode.jobs import TranscodeJob
from chalicelib.transcode.runners import TaskRunner, task_runner
from chalicelib.transcode.uploads import UploadedObject

logger = logging.getLogger(__name__)

SUBTITLE_UPLOAD = re.compile(
    r"videos/(?P<movie_id>[^/]+)/subtitles/(?P<language>[^/]+)\.(?P<format>srt|vtt)",
    re.IGNORECASE)
RUN_PREFIX = "subtitles:"
NUMBERED_TRACK = re.compile(r"(?P<language>[A-Za-z0-9-]{2,35})-(?P<n>[0-9]{1,2})")
CONTENT_TYPES = {"srt": "application/x-subrip", "vtt": "text/vtt"}
URL_SECONDS = 3600
ADD, REMOVE = "add", "remove"


class TrackShape(Model, frozen=True):
    language: str
    label: str
    kind: str
    status: str


class SubtitleUpload(Model, frozen=True):
    """Send the file with `method` to `url`, with `headers`, within `expires_in` seconds."""

    method: str
    key: str
    url: str
    expires_in: int
    headers: dict[str, str]
    track: TrackShape


@dataclass(frozen=True)
class SubtitleTask(TranscodeJob):
    """One run of `python -m transcoder subtitles add|remove`: `source_*` is the admin's
    file (empty for a removal), `version` the published version it changes; `job_id` is
    the run id's token (ECS's startedBy takes no colon)."""

    action: str = ADD
    language: str = ""
    label: str = ""
    kind: str = "subtitles"

    @property
    def run_id(self) -> str:
        return _run_id(self.movie_id, self.language, self.job_id)

    def arguments(self, settings: Settings) -> list[str]:
        common = ["--movie-id", self.movie_id, "--version", self.version,
                  "--language", self.language, "--media-bucket", settings.buckets.media,
                  "--events-queue-url", queue_url(settings.queues.transcode_events),
                  "--job-id", self.run_id]
        if self.action == REMOVE:
            return ["subtitles", REMOVE, *common]
        return ["subtitles", ADD, *common, "--source-bucket", self.source_bucket,
                "--source-key", self.source_key, "--label", self.label, "--kind", self.kind]


def _run_id(movie_id: str, language: str, token: str) -> str:
    return f"{RUN_PREFIX}{movie_id}:{language}:{token}"


def _start(action: str, movie_id: str, task: tracks.TrackTask | None,
           runner: TaskRunner | None, now: float | None = None) -> None:
    """Start the task its track now records as processing (or removing), and its watch."""
    if task is None:
        return
    settings = get_settings()
    now = time.time() if now is None else now
    deadline = deadlines.deadline_from(now, _allowed())
    # The check goes out first (deadlines.schedule_check says why); one the track does
    # not record yet is taken as the watch (_check).
    due = deadlines.schedule_check(task.run_id, deadline, now)
    token = task.run_id.rsplit(":", 1)[-1]
    task_id = None
    try:
        task_id = (runner or task_runner(settings)).start(SubtitleTask(
            token, 1, movie_id, task.version,
            settings.buckets.uploads if task.source_key else "", task.source_key,
            action=action, language=task.language, label=task.label, kind=task.kind))
    except Exception:  # its deadline settles the track, as for a task that died
        logger.exception("the subtitle task could not start", extra={"run": task.run_id})
    tracks.record_watch(movie_id, task.language, task.run_id, check_due=due,
                        deadline_at=deadline, task_id=task_id)


def _allowed() -> int:
    """A subtitle task moves a small file: the silence a transcoder is allowed is ample."""
    return deadlines.silence_allowed(get_settings().transcoding, 0)


def subtitle_upload(key: str) -> re.Match[str] | None:
    return SUBTITLE_UPLOAD.fullmatch(key)


def accept_subtitle_upload(upload: UploadedObject, runner: TaskRunner | None = None) -> None:
    """A subtitle file landed in the uploads bucket: its track is queued and the subtitle
    task starts when no other of the movie's runs (the track says why when it cannot)."""
    found = subtitle_upload(upload.key)
    assert found is not None
    movie_id = found["movie_id"]
    try:
        language = language_tag(found["language"])
    except InvalidInput as error:
        logger.warning("subtitle upload ignored", extra={"key": upload.key,
                                                         "reason": error.message})
        return
    if not movie_exists(movie_id):
        logger.warning("subtitle upload for no movie ignored", extra={"key": upload.key})
        return
    run_id = _run_id(movie_id, language, secrets.token_hex(8))
    _start(ADD, movie_id, tracks.begin_processing(movie_id, language, upload.key, run_id),
           runner)


def carry_tracks_over(movie_id: str, runner: TaskRunner | None = None) -> int:
    """A new version is published: the tracks admins added to the one it replaced (whose
    files went with it) are made again for it from the files still in the uploads
    bucket. Returns how many were queued."""
    bucket = get_settings().buckets.uploads
    carried = tracks.uploaded_for_older_versions(movie_id)
    for _, source_key in carried:
        accept_subtitle_upload(UploadedObject(bucket, source_key, etag="", size=0), runner)
    return len(carried)


def presign_subtitle_upload(settings: Settings, movie_id: str,
                            request: tracks.TrackRequest) -> SubtitleUpload:
    """A presigned PUT for the track's file; the S3 event of the PUT starts the task."""
    if not movie_exists(movie_id):
        raise NotFound(f"No movie {movie_id!r}.")
    key = f"videos/{movie_id}/subtitles/{request.language}.{request.format}"
    tracks.expect_upload(movie_id, request, key)
    content_type = CONTENT_TYPES[request.format]
    url = s3().generate_presigned_url(
        "put_object", ExpiresIn=URL_SECONDS,
        Params={"Bucket": settings.buckets.uploads, "Key": key, "ContentType": content_type})
    return SubtitleUpload(method="PUT", key=key, url=url, expires_in=URL_SECONDS,
                          headers={"Content-Type": content_type},
                          track=TrackShape(language=request.language, label=request.name,
                                           kind=request.kind, status=tracks.UPLOADING))


def _track_id(given: str) -> str:
    """A track's id as a path names it: a language tag (`pt-BR`), or the transcoder's id
    of a source's second stream of a language (`eng-2`)."""
    numbered = NUMBERED_TRACK.fullmatch(given)
    if numbered is not None:
        return f"{language_tag(numbered['language'], 'track')}-{numbered['n']}"
    return language_tag(given, "track")


def remove_subtitle(settings: Settings, movie_id: str, track: str,
                    runner: TaskRunner | None = None) -> bool:
    """Take the track out: True when the remove task started (its files are published),
    False when it had none and is simply gone. An admin's file goes either way."""
    track = _track_id(track)
    run_id = _run_id(movie_id, track, secrets.token_hex(8))
    task = tracks.begin_removal(movie_id, track, run_id)
    for file_format in CONTENT_TYPES:
        s3().delete_object(Bucket=settings.buckets.uploads,
                           Key=f"videos/{movie_id}/subtitles/{track}.{file_format}")
    _start(REMOVE, movie_id, task, runner)
    return task is not None


def is_subtitle_run(run_id: str) -> bool:
    return run_id.startswith(RUN_PREFIX)


def apply_subtitle_event(message: dict[str, Any], runner: TaskRunner | None = None,
                         now: float | None = None) -> str:
    """A subtitle task's event (or the failed event reported for a task that died, or
    its deadline's check) on its track."""
    try:
        event = DeadlineCheck.parse(message) if message.get("type") == deadlines.CHECK \
            else schema.from_message(message)
    except schema.NotAnEvent as error:
        raise InvalidInput(f"Not a subtitle task's event: {error}.") from None
    run_id = event.run_id if isinstance(event, DeadlineCheck) else event.job_id
    parts = run_id.removeprefix(RUN_PREFIX).split(":")
    if len(parts) != 3:
        return "ignored: not a subtitle task's run id"
    movie_id, language, _ = parts
    if not movie_exists(movie_id):
        return "ignored: the movie is gone"
    now = time.time() if now is None else now
    if isinstance(event, DeadlineCheck):
        return _check(movie_id, language, event, runner, now)
    match event:
        case schema.SubtitleAdded(track=track):
            settled = tracks.record_added(movie_id, event.job_id, tracks.AddedTrack(
                track=track.track, cue_count=track.cue_count,
                dropped_cues=track.dropped_cues, first_dropped_line=track.first_dropped_line))
        case schema.SubtitleRemoved():
            settled = tracks.record_removed(movie_id, language, event.job_id)
        case schema.SubtitleFailed(reason=reason) | schema.Failed(reason=reason):
            settled = tracks.record_failed(movie_id, language, event.job_id, reason)
        case _:
            return f"ignored: {schema.kind(event)} is not a subtitle task's event"
    if not settled.done:
        return "ignored: superseded or told already"
    _start(ADD, movie_id, settled.next_task, runner, now)
    return schema.kind(event)


def _check(movie_id: str, language: str, check: DeadlineCheck, runner: TaskRunner | None,
           now: float) -> str:
    """The task's deadline check: past the deadline, the task is stopped and its track
    settled with the reason; before it, the check waits on (SQS delays 15 minutes at
    most)."""
    track = next((t for t in tracks.get_movie(movie_id).subtitles
                  if tracks.track_id(t) == language), None)
    if track is None or track.run_id != check.run_id or track.status not in tracks.BUSY:
        return "ignored: the task has settled"
    if track.check_due is not None and int(track.check_due) != check.due:
        return "ignored: another check watches this task"
    deadline = check.due if track.deadline_at is None else int(track.deadline_at)
    if now < deadline:
        due = deadlines.schedule_check(check.run_id, deadline, now)
        if not tracks.record_watch(movie_id, language, check.run_id, check_due=due,
                                   watched_by=check.due):
            return "ignored: another check watches this task"
        return f"watching (next check at {due})"
    if track.task_id:  # silent, perhaps not dead: it must not rewrite the master later
        (runner or task_runner(get_settings())).stop(str(track.task_id), check.run_id)
    reason = (f"no word from the subtitle task for {_allowed()} s: it stopped without "
              "reporting")
    settled = tracks.record_failed(movie_id, language, check.run_id, reason)
    if not settled.done:
        return "ignored: settled meanwhile"
    _start(ADD, movie_id, settled.next_task, runner, now)
    return f"failed: {reason}"
