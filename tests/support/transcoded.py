"""A ready movie with real HLS media: a tiny clip through the real transcoder, published
in the media bucket and the catalog as the transcoder's `ready` event would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "containers" / "transcoder"))

from transcoder.binaries import find_media_tools
from transcoder.events import JobIdentity, ready_event
from transcoder.publish import content_type
from transcoder.results import TranscodeResult
from transcoder.transcode import transcode

from chalicelib.catalog import transcoding
from chalicelib.catalog.models import MovieModel
from chalicelib.contracts import transcoder_events as schema
from chalicelib.core.clients import aws_client
from chalicelib.core.settings import get_settings
from tests.support.catalog import make_movie
from tests.support.media import render_sources

CLIP = ["-f", "lavfi", "-i", "testsrc2=size=854x480:rate=12:duration=4",
        "-f", "lavfi", "-i", "sine=frequency=440:duration=4",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac"]


def transcode_clip(folder: Path) -> tuple[TranscodeResult, Path]:
    """A 4-second 480p clip as HLS (a 480p rendition and an audio one) under folder/hls."""
    source = render_sources(find_media_tools().ffmpeg, folder, {"clip.mp4": CLIP}) / "clip.mp4"
    output = folder / "hls"
    return transcode(source, output, on_progress=lambda _: None, timeout_seconds=120), output


def publish_transcoded(result: TranscodeResult, output: Path, title: str) -> MovieModel:
    movie = make_movie(title, status="draft")
    job = JobIdentity("job.1", movie.movie_id, "v20260101T000000rl")
    s3, bucket = aws_client("s3"), get_settings().buckets.media
    for path in sorted(p for p in output.rglob("*") if p.is_file()):
        s3.put_object(Bucket=bucket, Key=job.prefix + path.relative_to(output).as_posix(),
                      Body=path.read_bytes(), ContentType=content_type(path))
    transcoding.begin_version(movie.movie_id, job.version, f"videos/{movie.movie_id}/clip.mp4")
    ready = schema.from_message(ready_event(job, result))
    assert isinstance(ready, schema.Ready)
    transcoding.publish_version(movie.movie_id, job.version, ready)
    return MovieModel.get(movie.movie_id)


def decodes(media: bytes, folder: Path) -> bool:
    """Whether ffmpeg decodes these bytes (an init segment and a media segment, joined)."""
    path = folder / "joined.mp4"
    path.write_bytes(media)
    command = [find_media_tools().ffmpeg, "-v", "error", "-i", str(path), "-f", "null", "-"]
    result = subprocess.run(command, capture_output=True, timeout=60, check=False)
    return result.returncode == 0 and not result.stderr
