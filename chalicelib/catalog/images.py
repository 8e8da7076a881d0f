"""An admin replaces a movie's poster or backdrop with an image of their own.

The image comes in the JSON body (base64: posters are small, and one request keeps the
check, the write and the catalog change together). Its bytes must be a JPEG, PNG or WebP
whatever type the client claims (an SVG or HTML file in our bucket could carry script).
The replaced image is deleted once the movie names the new one.
"""

from __future__ import annotations

import base64
import binascii
import secrets

from chalicelib.catalog.inputs import NewImage
from chalicelib.catalog.media import media_prefix
from chalicelib.catalog.models import MovieModel
from chalicelib.catalog.movies import find_movie, save_and_reindex
from chalicelib.catalog.tmdb import IMAGE_EXTENSIONS, IMMUTABLE
from chalicelib.core.clients import s3
from chalicelib.core.errors import InvalidInput, NotFound
from chalicelib.core.settings import get_settings

REPLACEABLE = ("poster", "backdrop")
SIGNATURES = (  # the first bytes of each raster type we keep
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


def sniffed_type(data: bytes) -> str | None:
    for signature, content_type in SIGNATURES:
        if data.startswith(signature):
            return content_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def _decoded(image: NewImage) -> tuple[bytes, str]:
    encoded = image.data
    try:
        data = base64.b64decode(encoded.split(",", 1)[-1], validate=True)  # data: URLs too
    except (binascii.Error, ValueError):
        raise InvalidInput("data is not valid base64.", field="data") from None
    content_type = sniffed_type(data)
    if content_type is None:
        raise InvalidInput("The image must be a JPEG, PNG or WebP file.", field="data")
    return data, content_type


def replace_image(ref: str, kind: str, image: NewImage) -> MovieModel:
    if kind not in REPLACEABLE:
        raise NotFound(f"No image kind {kind!r} to replace (poster or backdrop).")
    data, content_type = _decoded(image)
    movie = find_movie(ref)
    bucket = get_settings().buckets.media
    # A new name each time: the old one may be cached (images are served immutable).
    key = (f"{media_prefix(movie.movie_id)}images/{kind}-{secrets.token_hex(4)}"
           f"{IMAGE_EXTENSIONS[content_type]}")
    s3().put_object(Bucket=bucket, Key=key, Body=data, ContentType=content_type,
                    CacheControl=IMMUTABLE)
    previous = getattr(movie, f"{kind}_url")
    setattr(movie, f"{kind}_url", key)
    try:
        save_and_reindex(movie)
    except BaseException:
        s3().delete_object(Bucket=bucket, Key=key)  # the movie still names the old one
        raise
    if previous and previous.startswith(media_prefix(movie.movie_id)):
        s3().delete_object(Bucket=bucket, Key=previous)
    return movie
