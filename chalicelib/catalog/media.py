"""Where a movie's files live, and the URLs clients use for its images.

Uploads bucket: `videos/<movie_id>/...` (sources). Media bucket: `videos/<movie_id>/<version>/`
(one transcode: HLS renditions, thumbnails) and `videos/<movie_id>/images/` (posters).
Images are served through a stable API URL that redirects to a short-lived presigned one,
so an `<img src>` never expires on an open page.
"""

from __future__ import annotations

from typing import Any

from chalicelib.core.clients import s3
from chalicelib.core.media_urls import media_urls
from chalicelib.core.settings import Settings

IMAGE_KINDS = ("poster", "backdrop", "thumbnail")
PRESIGNED_SECONDS = 3600
# What a card's thumbnail shows before the movie has one: every card gets an image URL.
PLACEHOLDER_THUMBNAIL = ('<svg xmlns="http://www.w3.org/2000/svg" width="320" height="180" '
                         'viewBox="0 0 16 9"><rect width="16" height="9" fill="#1f1f1f"/>'
                         '<path d="M6.5 2.5v4l3.5-2z" fill="#5a5a5a"/></svg>')


def upload_prefix(movie_id: str) -> str:
    return f"videos/{movie_id}/"


def media_prefix(movie_id: str) -> str:
    return f"videos/{movie_id}/"


def version_prefix(movie_id: str, version: str) -> str:
    return f"videos/{movie_id}/{version}/"


def image_url(settings: Settings, movie_id: str, kind: str, stored: str | None) -> str | None:
    """What clients get: an external URL as is, a media-bucket key as the API's own URL."""
    if not stored:
        return None
    if stored.startswith(("https://", "http://")):
        return stored
    return api_image_url(settings, movie_id, kind)


def api_image_url(settings: Settings, movie_id: str, kind: str) -> str:
    """The stable, absolute API URL of an image: it needs no headers and never expires."""
    return f"{settings.public_api_url}/api/video/{movie_id}/images/{kind}/"


def presigned_image(settings: Settings, key: str) -> str:
    return media_urls(settings).object_url(key, PRESIGNED_SECONDS)


def delete_prefix(bucket: str, prefix: str) -> int:
    """Delete every object under the prefix (and unfinished multipart uploads)."""
    client, deleted = s3(), 0
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        objects: list[Any] = [{"Key": o["Key"]} for o in page.get("Contents", [])]
        if objects:
            client.delete_objects(Bucket=bucket, Delete={"Objects": objects, "Quiet": True})
            deleted += len(objects)
    uploads = client.list_multipart_uploads(Bucket=bucket, Prefix=prefix).get("Uploads", [])
    for upload in uploads:
        client.abort_multipart_upload(Bucket=bucket, Key=upload["Key"],
                                      UploadId=upload["UploadId"])
    return deleted
