"""A version as the progressive transcoder leaves it in the media bucket while it encodes
(growing EVENT playlists) and once it is done, and the `playable` event it sends."""

from __future__ import annotations

import json
import uuid
from types import SimpleNamespace
from typing import Any

from chalice.test import HTTPResponse

from chalicelib.core.clients import aws_client
from chalicelib.core.logs import lambda_context_middleware
from chalicelib.core.settings import Settings
from chalicelib.transcode.jobs import TranscodeJob
from chalicelib.transcode.service import accept_uploads, handle_transcoder_event
from tests.support.catalog import make_movie
from tests.support.hls import master_playlist
from tests.support.uploads import RecordingRunner, upload

HEIGHTS = (480, 720, 1080)


def version_prefix(job: TranscodeJob) -> str:
    return f"videos/{job.movie_id}/{job.version}"


def _media_playlist(segments: int, ended: bool) -> str:
    body = "".join(f"#EXTINF:2.000,\nsegment_{n:03d}.m4s\n" for n in range(segments))
    return ("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:2\n#EXT-X-PLAYLIST-TYPE:EVENT\n"
            f'#EXT-X-MAP:URI="init.mp4"\n{body}' + ("#EXT-X-ENDLIST\n" if ended else ""))


def put_version(settings: Settings, job: TranscodeJob, segments: int, *, ended: bool = False,
                heights: tuple[int, ...] = HEIGHTS) -> list[str]:
    """The version's master, media playlists (EVENT; ENDLIST once `ended`), init and
    `segments` segments per rendition and for the audio; returns the keys written."""
    prefix, s3 = version_prefix(job), aws_client("s3")
    files = {f"{prefix}/master.m3u8": master_playlist(heights, version=7)}
    for folder in [f"{h}p" for h in heights] + ["audio"]:
        files[f"{prefix}/{folder}/index.m3u8"] = _media_playlist(segments, ended)
        files[f"{prefix}/{folder}/init.mp4"] = f"init {job.version} {folder}"
        for n in range(segments):
            files[f"{prefix}/{folder}/segment_{n:03d}.m4s"] = f"{job.version} {folder} {n}"
    for key, body in files.items():
        s3.put_object(Bucket=settings.buckets.media, Key=key, Body=body.encode())
    return sorted(files)


def keys_under(settings: Settings, prefix: str) -> list[str]:
    listed = aws_client("s3").list_objects_v2(Bucket=settings.buckets.media, Prefix=prefix)
    return sorted(o["Key"] for o in listed.get("Contents", []))


def playable_event(job: TranscodeJob, *, heights: tuple[int, ...] = HEIGHTS,
                   duration: float = 120.0, **overrides: Any) -> str:
    """The transcoder's `playable` event (the schema agreed with it), figures so far."""
    prefix = version_prefix(job)
    return json.dumps({
        "type": "playable", "job_id": job.run_id, "movie_id": job.movie_id,
        "version": job.version, "master_playlist_key": f"{prefix}/master.m3u8",
        "renditions": [{"name": f"{h}p", "width": h * 16 // 9, "height": h,
                        "bandwidth": h * 4000, "average_bandwidth": h * 3000,
                        "codecs": "avc1.64001f,mp4a.40.2",
                        "playlist_key": f"{prefix}/{h}p/index.m3u8", "bytes": 2000,
                        "segments": 1} for h in heights],
        "audio": True, "duration": duration, "thumbnail_key": None,
        "at": "2026-01-01T00:00:05.000+00:00", **overrides,
    })


def progress_event(job: TranscodeJob, percent: float) -> str:
    return json.dumps({"type": "progress", "job_id": job.run_id, "movie_id": job.movie_id,
                       "version": job.version, "percent": percent})


def event(body: str, runner: RecordingRunner) -> str:
    """Deliver a transcoder event as the transcode-events function does (its AWS calls are
    checked against that function's policy)."""
    context = SimpleNamespace(aws_request_id=uuid.uuid4().hex,
                              function_name="on_transcoder_event")
    return str(lambda_context_middleware(SimpleNamespace(context=context),
                                         lambda _: handle_transcoder_event(body, runner)))


def transcoding(stack: Settings, runner: RecordingRunner, title: str,
                movie_id: str | None = None) -> TranscodeJob:
    """An upload for the movie (a new draft titled `title` unless `movie_id` is given),
    taken as a job."""
    movie_id = movie_id or make_movie(title, status="draft").movie_id
    accept_uploads(upload(stack, f"videos/{movie_id}/{uuid.uuid4().hex[:6]}.mp4"), runner)
    return runner.started[-1]


def text(answer: HTTPResponse) -> str:
    assert answer.status_code == 200, answer.body
    return answer.body.decode()
