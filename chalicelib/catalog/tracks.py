"""A movie's text and audio tracks as the catalog records them (docs/subtitles.md).

Subtitle tracks are keyed by their id: an admin's by language (one each), a source's by
the transcoder's id (`eng`, `eng-2`). A track an admin adds goes `uploading`
(a presigned upload is out), `queued` (its file is in, while another task of the movie
runs), `processing` (the subtitle task runs), then `ready` or `failed` with the task's
reason; `removing` while its files go. Tracks the transcoder
extracts from the source arrive `ready` with the version. Viewers see the ready tracks of
the version that plays; the admin sees every track with its status and reason.

The lists are written only here, each change conditional on the list as it was read, so
two events for one movie never lose each other's change, and admin edits of the movie
(`movies.save_and_reindex`, which does not write them) leave them alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal, TypeVar

from msgspec import Meta
from pynamodb.exceptions import DoesNotExist, UpdateError

from chalicelib.catalog.models import AudioTrack, MovieModel, SubtitleTrack
from chalicelib.catalog.published import ReadyMedia
from chalicelib.catalog.shapes import AudioLabel, SubtitleLabel
from chalicelib.core.clock import now_iso
from chalicelib.core.contract import Model
from chalicelib.core.dynamo import is_condition_failure
from chalicelib.core.errors import Conflict, NotFound
from chalicelib.core.languages import LanguageTag
from chalicelib.core.validation import blank_as_absent, plain_text

T = TypeVar("T")
KINDS = ("subtitles", "captions", "forced")
UPLOAD, SOURCE = "upload", "source"
UPLOADING, QUEUED, PROCESSING, READY, FAILED, REMOVING = (
    "uploading", "queued", "processing", "ready", "failed", "removing")
# A task rewrites the movie's master playlist: one at a time per movie, or two adding
# tracks at once would each write a master without the other's. The others wait, queued.
BUSY = (PROCESSING, REMOVING)
EDIT_TRIES = 5
class TrackRequest(Model, frozen=True):
    """An admin's new subtitle track: `POST /api/admin/videos/{id}/subtitles/`. The
    label defaults to the language; `format` is the file's (SRT or WebVTT)."""

    language: LanguageTag
    label: Annotated[str, Meta(max_length=80), blank_as_absent(plain_text)] | None = None
    kind: Literal["subtitles", "captions", "forced"] = "subtitles"
    format: Literal["srt", "vtt"] = "srt"
    example = {"language": "pt-BR", "label": "Português (Brasil)", "kind": "subtitles",
               "format": "srt"}

    @property
    def name(self) -> str:
        return self.label or default_label(self.language)


def default_label(language: str) -> str:
    """The label of a track nobody named: its tag (players show the language's name from
    LANGUAGE where they can; the tag is never wrong)."""
    return language


@dataclass(frozen=True)
class TrackTask:
    """What the subtitle task is asked to do for one track, as run `run_id`."""

    language: str
    label: str
    kind: str
    version: str
    run_id: str
    source_key: str = ""  # the admin's file, for an addition


@dataclass(frozen=True)
class Settled:
    """A task's event applied: `done` unless it was stale; `next_task`, a queued track
    whose task may start now."""

    done: bool
    next_task: TrackTask | None = None


def _tracks_condition(old: list[SubtitleTrack]) -> Any:
    same = MovieModel.subtitles == old
    return (MovieModel.subtitles.does_not_exist() | same) if not old else same


def _change(movie_id: str, change: Callable[[MovieModel, list[SubtitleTrack]], T]) -> T:
    """Apply `change` to the movie's subtitle list (in place) and write it if the list is
    still as read; read and apply again when another change got there first."""
    for _ in range(EDIT_TRIES):
        movie = get_movie(movie_id)
        old = list(movie.subtitles)
        tracks = [SubtitleTrack(**t.attribute_values) for t in old]  # type: ignore[no-untyped-call]
        outcome = change(movie, tracks)
        if _stored(tracks) == _stored(old):
            return outcome
        try:
            movie.update(actions=[MovieModel.subtitles.set(tracks)],
                         condition=_tracks_condition(old))
        except UpdateError as error:
            if is_condition_failure(error):
                continue
            raise
        return outcome
    raise Conflict("The movie's subtitle tracks keep changing: try again.")


def _stored(tracks: list[SubtitleTrack]) -> Any:
    return MovieModel.subtitles.serialize(tracks)


def track_id(track: SubtitleTrack) -> str:
    return str(track.track_id or track.language)


def _find(tracks: list[SubtitleTrack], track: str) -> SubtitleTrack | None:
    return next((t for t in tracks if track_id(t) == track), None)


def _put(tracks: list[SubtitleTrack], track: SubtitleTrack) -> None:
    tracks[:] = [t for t in tracks if track_id(t) != track_id(track)] + [track]


def _new_track(language: str, label: str, kind: str, status: str, **fields: Any) -> SubtitleTrack:
    return SubtitleTrack(  # type: ignore[no-untyped-call]
        language=language, label=label, kind=kind, origin=UPLOAD, status=status,
        updated_at=now_iso(), **fields)


def _next_queued(movie: MovieModel, tracks: list[SubtitleTrack]) -> TrackTask | None:
    """The longest-waiting queued track, now processing, once no task of the movie runs."""
    if any(t.status in BUSY for t in tracks):
        return None
    waiting = sorted((t for t in tracks if t.status == QUEUED), key=lambda t: t.updated_at)
    if not waiting:
        return None
    track = waiting[0]
    track.status, track.version = PROCESSING, movie.current_version
    track.updated_at = now_iso()
    return TrackTask(str(track.language), str(track.label), str(track.kind),
                     str(movie.current_version), str(track.run_id), str(track.source_key))


def expect_upload(movie_id: str, request: TrackRequest, source_key: str) -> None:
    """Record the track a presigned upload will bring; 409 while that language's track
    is being worked on, or when the movie has no published video to add it to."""
    def record(movie: MovieModel, tracks: list[SubtitleTrack]) -> None:
        if not movie.current_version:
            raise Conflict(f"{movie.title!r} has no published video yet: add subtitles once "
                           "it plays.", status=movie.status)
        existing = _find(tracks, request.language)
        if existing is not None and existing.status in (QUEUED, *BUSY):
            raise Conflict(f"The {request.language} track is {existing.status}: try again "
                           "when it is done.", status=str(existing.status))
        _put(tracks, _new_track(request.language, request.name, request.kind, UPLOADING,
                                source_key=source_key))
    _change(movie_id, record)


def begin_processing(movie_id: str, language: str, source_key: str,
                     run_id: str) -> TrackTask | None:
    """The file for `language` arrived: the track waits (`queued`) as run `run_id`, with
    the label and kind the admin asked for (the language and `subtitles` for a file put
    into the bucket directly). Returns the task to start now, if one may (this one, when
    no other runs); None also when the movie has no published video (the track says so)."""
    def record(movie: MovieModel, tracks: list[SubtitleTrack]) -> TrackTask | None:
        asked = _find(tracks, language)
        label = str(asked.label) if asked is not None and asked.origin == UPLOAD \
            else default_label(language)
        kind = str(asked.kind) if asked is not None and asked.origin == UPLOAD else "subtitles"
        if not movie.current_version:
            _put(tracks, _new_track(language, label, kind, FAILED, source_key=source_key,
                                    reason="the movie has no published video yet: upload "
                                    "the file again once it plays"))
            return None
        _put(tracks, _new_track(language, label, kind, QUEUED, source_key=source_key,
                                run_id=run_id))
        return _next_queued(movie, tracks)
    return _change(movie_id, record)


def begin_removal(movie_id: str, language: str, run_id: str) -> TrackTask | None:
    """Mark the track `removing`; None when it has no published files (it is simply
    forgotten). 404 without such a track, 409 while a task of the movie runs."""
    def record(movie: MovieModel, tracks: list[SubtitleTrack]) -> TrackTask | None:
        track = _find(tracks, language)
        if track is None:
            raise NotFound(f"No {language} subtitle track.")
        busy = next((t for t in tracks if t.status in BUSY), None)
        if busy is not None:
            raise Conflict(f"The {track_id(busy)} track is {busy.status}: try again when it "
                           "is done.", status=str(busy.status))
        if track.status != READY or track.version != movie.current_version:
            tracks.remove(track)
            return None
        track.status, track.run_id, track.reason = REMOVING, run_id, None
        # The add run's watch ends here: its check must not pass for the removal's, nor
        # the removal's check be refused as another's (record_watch's `watched_by`).
        track.task_id = track.deadline_at = track.check_due = None
        track.updated_at = now_iso()
        return TrackTask(language, str(track.label), str(track.kind), str(track.version),
                         run_id)
    return _change(movie_id, record)


def _working(tracks: list[SubtitleTrack], language: str, run_id: str,
             status: str) -> SubtitleTrack | None:
    track = _find(tracks, language)
    if track is None or track.run_id != run_id or track.status != status:
        return None
    return track


@dataclass(frozen=True)
class AddedTrack:
    """What the subtitle task says of a track it published."""

    track: str  # the track's id: the language it was added as
    cue_count: int
    dropped_cues: int
    first_dropped_line: int | None


def _settled(movie_id: str, settle: Callable[[list[SubtitleTrack]], bool]) -> Settled:
    """Apply a task's outcome (`settle` says whether it was the running task's) and take
    the next queued track."""
    def record(movie: MovieModel, tracks: list[SubtitleTrack]) -> Settled:
        if not settle(tracks):
            return Settled(done=False)
        return Settled(done=True, next_task=_next_queued(movie, tracks))
    return _change(movie_id, record)


def record_added(movie_id: str, run_id: str, added: AddedTrack) -> Settled:
    """The task published the track; not `done` for a task that was superseded."""
    def settle(tracks: list[SubtitleTrack]) -> bool:
        track = _working(tracks, added.track, run_id, PROCESSING)
        if track is None:
            return False
        dropped, line = added.dropped_cues, added.first_dropped_line
        track.status, track.updated_at = READY, now_iso()
        track.cue_count, track.dropped_cues = added.cue_count, dropped
        track.reason = (f"{dropped} cue(s) with broken timings dropped"
                        + (f", the first at line {line}" if line else "")) if dropped else None
        return True
    return _settled(movie_id, settle)


def record_removed(movie_id: str, language: str, run_id: str) -> Settled:
    def settle(tracks: list[SubtitleTrack]) -> bool:
        track = _working(tracks, language, run_id, REMOVING)
        if track is not None:
            tracks.remove(track)
        return track is not None
    return _settled(movie_id, settle)


def record_failed(movie_id: str, language: str, run_id: str, reason: str) -> Settled:
    """The task refused the file (or died): the track says why. A removal that failed
    leaves the track published, with the reason."""
    def settle(tracks: list[SubtitleTrack]) -> bool:
        track = _find(tracks, language)
        if track is None or track.run_id != run_id or track.status not in (PROCESSING,
                                                                            REMOVING):
            return False
        if track.status == REMOVING:
            track.status, track.reason = READY, f"could not be removed: {reason}"
        else:
            track.status, track.reason = FAILED, reason
        track.updated_at = now_iso()
        return True
    return _settled(movie_id, settle)


def record_watch(movie_id: str, language: str, run_id: str, *, check_due: int,
                 deadline_at: int | None = None, task_id: str | None = None,
                 watched_by: int | None = None) -> bool:
    """The deadline of the subtitle task (transcode/subtitle_jobs.py), kept on its track
    while run `run_id` works on it and, for a check handing the watch on, while the check
    `watched_by` has it. False when the task settled or another check took over."""
    def record(_: MovieModel, tracks: list[SubtitleTrack]) -> bool:
        track = _find(tracks, language)
        if track is None or track.run_id != run_id or track.status not in BUSY:
            return False
        if watched_by is not None and track.check_due not in (None, watched_by):
            return False
        track.check_due = check_due
        if deadline_at is not None:
            track.deadline_at = deadline_at
        if task_id is not None:
            track.task_id = task_id
        return True
    return _change(movie_id, record)


def record_published(movie_id: str, version: str, ready: ReadyMedia) -> None:
    """The tracks a ready version lists: the audio renditions, and the subtitle streams
    extracted from the source, which replace those of older versions. Tracks admins added
    stay; they are shown for the version they were made for."""
    audio = [AudioTrack(  # type: ignore[no-untyped-call]
        language=a.language or "und", label=a.label or a.name or "Audio",
        channels=a.channels, is_default=a.default) for a in ready.audio_tracks]
    movie = get_movie(movie_id)
    if audio or movie.audio_tracks:
        movie.update(actions=[MovieModel.audio_tracks.set(audio)])

    def record(_: MovieModel, tracks: list[SubtitleTrack]) -> None:
        tracks[:] = [t for t in tracks if t.origin != SOURCE]
        tracks.extend(SubtitleTrack(  # type: ignore[no-untyped-call]
            language=found.language or "und", track_id=found.track or found.language or "und",
            label=found.label or found.language or "und", kind=found.kind or "subtitles",
            origin=SOURCE, status=READY, version=version, is_default=found.default,
            cue_count=found.cue_count, dropped_cues=found.dropped_cues, updated_at=now_iso())
            for found in ready.subtitles)
    _change(movie_id, record)


def uploaded_for_older_versions(movie_id: str) -> list[tuple[str, str]]:
    """(language, file key) of the published tracks admins added to a version that no
    longer plays: a new version needs them made again from their files."""
    movie = get_movie(movie_id)
    return [(str(t.language), str(t.source_key)) for t in movie.subtitles
            if t.origin == UPLOAD and t.status == READY and t.source_key
            and t.version != movie.current_version]


def viewer_subtitles(movie: MovieModel) -> list[SubtitleLabel]:
    """What `GET /api/video/{id}/` lists: the published tracks of the version that plays."""
    return [SubtitleLabel(language=str(t.language), label=str(t.label), kind=str(t.kind),
                          forced=t.kind == "forced", default=bool(t.is_default))
            for t in movie.subtitles
            if t.status == READY and t.version == movie.current_version]


def viewer_audio(movie: MovieModel) -> list[AudioLabel]:
    return [AudioLabel(language=str(a.language), label=str(a.label),
                       channels=None if a.channels is None else int(a.channels),
                       default=bool(a.is_default)) for a in movie.audio_tracks]


class AdminTrack(Model, frozen=True):
    """A subtitle track as the admin sees it: where it stands, and why."""

    track: str  # its id: what DELETE .../subtitles/{track} names
    language: str
    label: str
    kind: str
    origin: str  # upload | source
    status: str  # uploading | processing | ready | failed | removing
    reason: str | None
    version: str | None
    current: bool  # made for the version that plays
    cue_count: int | None
    dropped_cues: int | None
    updated_at: str


def admin_tracks(movie_id: str) -> list[AdminTrack]:
    movie = get_movie(movie_id)
    return [AdminTrack(track=track_id(t), language=str(t.language), label=str(t.label),
                       kind=str(t.kind),
                       origin=str(t.origin), status=str(t.status), reason=t.reason,
                       version=t.version, current=t.version == movie.current_version,
                       cue_count=None if t.cue_count is None else int(t.cue_count),
                       dropped_cues=None if t.dropped_cues is None else int(t.dropped_cues),
                       updated_at=str(t.updated_at)) for t in movie.subtitles]


def get_movie(movie_id: str) -> MovieModel:
    try:
        return MovieModel.get(movie_id)
    except DoesNotExist:
        raise NotFound(f"No movie {movie_id!r}.") from None
