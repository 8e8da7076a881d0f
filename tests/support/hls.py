"""A movie whose HLS output is in the media bucket, as the transcoder would leave it."""

from __future__ import annotations

from typing import Any

from chalicelib.catalog import transcoding
from chalicelib.catalog.models import MovieModel
from chalicelib.contracts import transcoder_events as schema
from chalicelib.core.clients import aws_client
from chalicelib.core.settings import get_settings
from tests.support.catalog import make_movie

SEGMENTS = ("segment_000.ts", "segment_001.ts")


def _variant_playlist() -> str:
    body = "".join(f"#EXTINF:6.000,\n{name}\n" for name in SEGMENTS)
    return ("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:6\n#EXT-X-PLAYLIST-TYPE:VOD\n"
            f"{body}#EXT-X-ENDLIST\n")


def master_playlist(heights: tuple[int, ...], version: int = 3) -> str:
    lines = ["#EXTM3U", f"#EXT-X-VERSION:{version}",
             '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="audio",DEFAULT=YES,'
             'AUTOSELECT=YES,URI="audio/index.m3u8"']
    for height in heights:
        lines += [f'#EXT-X-STREAM-INF:BANDWIDTH={height * 4000},RESOLUTION='
                  f'{height * 16 // 9}x{height},CODECS="avc1.64001f,mp4a.40.2",AUDIO="aud"',
                  f"{height}p/index.m3u8"]
    return "\n".join(lines) + "\n"


def make_playable_movie(title: str = "Playable", heights: tuple[int, ...] = (480, 720, 1080),
                        duration: int = 600) -> MovieModel:
    movie = make_movie(title, status="draft", duration=duration)
    version = "v20260101T000000aa"
    prefix = f"videos/{movie.movie_id}/{version}"
    s3, bucket = aws_client("s3"), get_settings().buckets.media
    files = {f"{prefix}/master.m3u8": master_playlist(heights),
             f"{prefix}/audio/index.m3u8": _variant_playlist(),
             f"{prefix}/thumbnails.vtt": "WEBVTT\n\n00:00:00.000 --> 00:00:05.000\n"
                                         "sprite.jpg#xywh=0,0,160,90\n"}
    for height in heights:
        files[f"{prefix}/{height}p/index.m3u8"] = _variant_playlist()
        for name in SEGMENTS:
            files[f"{prefix}/{height}p/{name}"] = f"segment {height} {name}"
    for key, body in files.items():
        s3.put_object(Bucket=bucket, Key=key, Body=body.encode())
    transcoding.begin_version(movie.movie_id, version, f"videos/{movie.movie_id}/source.mp4")
    transcoding.publish_version(movie.movie_id, version, ready_media(
        prefix, vtt_key=f"{prefix}/thumbnails.vtt", duration=duration,
        renditions=tuple(schema.Rendition(name=f"{h}p", height=h, width=h * 16 // 9,
                                          playlist_key=f"{prefix}/{h}p/index.m3u8")
                         for h in heights)))
    return MovieModel.get(movie.movie_id)


def ready_media(prefix: str, **fields: Any) -> schema.Ready:
    """The ready event of the version under `prefix` (`videos/<movie>/<version>`), as the
    catalog takes it: audio, no renditions, no thumbnail unless `fields` say otherwise."""
    values: dict[str, Any] = {
        "job_id": "job.1", "master_playlist_key": f"{prefix}/master.m3u8", "renditions": (),
        "audio": True, "duration": 6.0, "thumbnail_key": None, "vtt_key": None} | fields
    return schema.Ready(**values)
