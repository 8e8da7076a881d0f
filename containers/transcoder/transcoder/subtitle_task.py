"""A subtitle track added to (or removed from) a published version, without re-encoding:
`python -m transcoder subtitles add|remove ...` (docs/subtitles.md has the contract).

The file is converted and cut on the version's own video segments (its lowest rung's
media playlist and first segment, read back from the media bucket), its files go up, and
then the master playlist is rewritten with only its SUBTITLES group changed: video and
audio objects are never read whole, written or deleted. The master goes up last, so a
player never sees a track whose files are not there; a removal takes the track out of
the master first, then deletes its files.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from transcoder.errors import TranscoderError
from transcoder.events import EventSink, JobIdentity
from transcoder.hls import parse_media_playlist
from transcoder.publish import Publication
from transcoder.storage import S3ObjectStore
from transcoder.subtitles import SubtitleInvalid, read_subtitles
from transcoder.subtitles_hls import (
    KINDS,
    SubtitleRendition,
    VideoTiming,
    video_timing,
    with_subtitles,
    write_subtitle_rendition,
)

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

logger = logging.getLogger(__name__)

MASTER_PLAYLIST = "master.m3u8"  # = transcode.MASTER_PLAYLIST, without importing ffmpeg's side
Event = dict[str, Any]


class VersionMissing(TranscoderError):
    """The version has no published master playlist to add a track to."""

    code = "version_missing"
    retryable = False


class SubtitleTaskFailed(TranscoderError):
    code = "subtitle_failed"


@dataclass(frozen=True)
class SubtitleRequest:
    job: JobIdentity
    media_bucket: str
    language: str  # the track's id too: its folder is subtitles/<language>
    label: str = ""
    kind: str = "subtitles"
    source_bucket: str = ""
    source_key: str = ""


class MediaBucket:
    """What the task reads and writes in S3 (a fake in unit tests could stand in)."""

    def __init__(self, client: S3Client | None = None) -> None:
        if client is None:
            import boto3

            client = boto3.client("s3")
        self.client = client
        self.store = S3ObjectStore(client)

    def read(self, bucket: str, key: str) -> bytes | None:
        try:
            return self.client.get_object(Bucket=bucket, Key=key)["Body"].read()
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise SubtitleTaskFailed(f"cannot read s3://{bucket}/{key}: {error}") from error
        except BotoCoreError as error:
            raise SubtitleTaskFailed(f"cannot read s3://{bucket}/{key}: {error}") from error

    def keys_under(self, bucket: str, prefix: str) -> list[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=bucket,
                                                                       Prefix=prefix)
        return [item["Key"] for page in pages for item in page.get("Contents", [])]


def run_subtitle_task(request: SubtitleRequest, action: str, *, bucket: MediaBucket,
                      events: EventSink) -> Event:
    """Add or remove the track and send the closing event (also returned)."""
    try:
        event = (_add(request, bucket) if action == "add" else _remove(request, bucket))
    except TranscoderError as error:
        logger.warning("subtitle task %s failed: %s", request.job.job_id, error.reason)
        event = failed_subtitle_event(request, error)
    except (BotoCoreError, ClientError) as error:
        event = failed_subtitle_event(request, SubtitleTaskFailed(f"S3 failed: {error}"))
    events.send(event)
    return event


def failed_subtitle_event(request: SubtitleRequest, error: TranscoderError) -> Event:
    code = error.code if error.code in ("subtitle_invalid", "version_missing") \
        else "subtitle_failed"
    return {"type": "subtitle_failed", **_fields(request), "language": request.language,
            "code": code, "reason": error.reason,
            "line": getattr(error, "line", None), "retryable": error.retryable}


def _fields(request: SubtitleRequest) -> Event:
    job = request.job
    return {"job_id": job.job_id, "movie_id": job.movie_id, "version": job.version}


def _add(request: SubtitleRequest, bucket: MediaBucket) -> Event:
    if request.kind not in KINDS:
        raise SubtitleInvalid(f"kind must be one of {', '.join(KINDS)}, not {request.kind!r}")
    data = bucket.read(request.source_bucket, request.source_key)
    if data is None:
        raise SubtitleTaskFailed(f"no such object: s3://{request.source_bucket}/"
                                 f"{request.source_key}")
    subtitles = read_subtitles(data)
    prefix = request.job.prefix
    master = _master(request, bucket)
    timing = _timing(bucket, request.media_bucket, prefix, master)
    rendition = SubtitleRendition(request.language, request.language,
                                  request.label or request.language, request.kind)
    publication = Publication(bucket.store, request.media_bucket, prefix)
    with tempfile.TemporaryDirectory(prefix="subtitle-task-") as scratch:
        folder = Path(scratch) / rendition.folder
        write_subtitle_rendition(folder, subtitles.cues, timing)
        publication.upload_all([(path, f"{rendition.folder}/{path.name}")
                                for path in sorted(folder.iterdir())])
        master_file = Path(scratch) / MASTER_PLAYLIST
        master_file.write_text(with_subtitles(master, [rendition]))
        publication.upload(master_file, MASTER_PLAYLIST)
    return {"type": "subtitle_added", **_fields(request),
            "master_playlist_key": prefix + MASTER_PLAYLIST,
            "track": {"track": rendition.track, "language": rendition.language,
                      "label": rendition.label, "kind": rendition.kind,
                      "forced": rendition.forced, "default": rendition.default,
                      "cue_count": len(subtitles.cues), "dropped_cues": subtitles.dropped,
                      "first_dropped_line": subtitles.first_dropped_line,
                      "playlist_key": prefix + rendition.uri}}


def _remove(request: SubtitleRequest, bucket: MediaBucket) -> Event:
    prefix = request.job.prefix
    master = _master(request, bucket)
    folder = SubtitleRendition(request.language, request.language, "", "subtitles").folder
    with tempfile.TemporaryDirectory(prefix="subtitle-task-") as scratch:
        master_file = Path(scratch) / MASTER_PLAYLIST
        master_file.write_text(with_subtitles(master, [], drop=[request.language]))
        Publication(bucket.store, request.media_bucket, prefix).upload(
            master_file, MASTER_PLAYLIST)
    keys = bucket.keys_under(request.media_bucket, f"{prefix}{folder}/")
    if keys:
        bucket.store.delete(request.media_bucket, keys)
    return {"type": "subtitle_removed", **_fields(request),
            "master_playlist_key": prefix + MASTER_PLAYLIST,
            "track": {"track": request.language, "language": request.language}}


def _master(request: SubtitleRequest, bucket: MediaBucket) -> str:
    master = bucket.read(request.media_bucket, request.job.prefix + MASTER_PLAYLIST)
    if master is None:
        raise VersionMissing(f"{request.job.prefix} has no {MASTER_PLAYLIST}: is the "
                             f"version published?")
    return master.decode()


def _timing(bucket: MediaBucket, media_bucket: str, prefix: str, master: str) -> VideoTiming:
    """The lowest rung's segments (the master lists variants lowest first)."""
    lines = master.splitlines()
    uri = next((lines[i + 1] for i, line in enumerate(lines[:-1])
                if line.startswith("#EXT-X-STREAM-INF")), None)
    if uri is None:
        raise VersionMissing(f"{prefix}{MASTER_PLAYLIST} lists no variant")
    folder = uri.rsplit("/", 1)[0] + "/" if "/" in uri else ""
    try:
        playlist = parse_media_playlist(_required(bucket, media_bucket, prefix + uri).decode())
        if playlist.init_uri is None:
            raise ValueError("no EXT-X-MAP")
        return video_timing(
            playlist, _required(bucket, media_bucket, prefix + folder + playlist.init_uri),
            _required(bucket, media_bucket, prefix + folder + playlist.segments[0].uri))
    except ValueError as error:
        raise VersionMissing(f"{prefix}{uri} is not a usable fMP4 playlist: {error}") \
            from error


def _required(bucket: MediaBucket, media_bucket: str, key: str) -> bytes:
    data = bucket.read(media_bucket, key)
    if data is None:
        raise VersionMissing(f"s3://{media_bucket}/{key} is missing")
    return data
