"""Playlists through CloudFront: segments, sprites and images as URLs signed with the key
group's key, which the functions read from Secrets Manager."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from urllib.parse import urlparse

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from chalicelib.catalog.media import presigned_image
from chalicelib.catalog.playable import playable_movie
from chalicelib.core.clients import aws_client
from chalicelib.core.errors import DependencyUnavailable
from chalicelib.core.settings import MediaDelivery, Settings
from chalicelib.playback import delivery
from tests.support.hls import make_playable_movie

DOMAIN = "media.example.cloudfront.net"


def stored_secret(value: str) -> Iterator[str]:
    secrets, name = aws_client("secretsmanager"), f"reelstack-test/{uuid.uuid4().hex}"
    secrets.create_secret(Name=name, SecretString=value)
    yield name
    secrets.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)


def via_cloudfront(stack: Settings, secret: str) -> Settings:
    return dataclasses.replace(stack, delivery=MediaDelivery("cloudfront", DOMAIN, "KTEST",
                                                             secret))


@pytest.fixture
def signing_secret(stack: Settings) -> Iterator[str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    yield from stored_secret(pem)


def test_a_media_playlist_names_cloudfront_urls_signed_once(stack: Settings,
                                                            signing_secret: str) -> None:
    settings = via_cloudfront(stack, signing_secret)
    movie = playable_movie(make_playable_movie().movie_id)
    [rendition] = [r for r in movie.rungs if r.name == "480p"]

    text = delivery.media_playlist(settings, movie, str(rendition.playlist_key))

    urls = [urlparse(line) for line in text.splitlines() if line.startswith("https://")]
    folder = str(rendition.playlist_key).rsplit("/", 1)[0]
    assert [u.path for u in urls] == [f"/{folder}/segment_000.ts", f"/{folder}/segment_001.ts"]
    assert {u.netloc for u in urls} == {DOMAIN}
    assert len({u.query for u in urls}) == 1 and "Key-Pair-Id=KTEST" in urls[0].query


def test_segments_sprites_and_images_go_through_cloudfront(stack: Settings,
                                                           signing_secret: str) -> None:
    settings = via_cloudfront(stack, signing_secret)
    movie = playable_movie(make_playable_movie().movie_id)
    [rendition] = [r for r in movie.rungs if r.name == "720p"]

    segment = delivery.segment_url(settings, movie, str(rendition.playlist_key),
                                   "segment_001.ts")
    track = delivery.trickplay_track(settings, movie)
    image = presigned_image(settings, f"videos/{movie.movie_id}/images/poster.jpg")

    for url in (segment, image, track.splitlines()[-1]):
        assert url.startswith(f"https://{DOMAIN}/videos/{movie.movie_id}/"), url
        assert "Signature=" in url and "X-Amz-Signature" not in url
    assert track.splitlines()[-1].endswith("#xywh=0,0,160,90")


def test_a_secret_without_a_key_is_a_dependency_failure(stack: Settings) -> None:
    movie = playable_movie(make_playable_movie().movie_id)
    for secret in stored_secret("not a PEM key"):
        with pytest.raises(DependencyUnavailable, match="no RSA private key"):
            delivery.segment_url(via_cloudfront(stack, secret), movie,
                                 str(movie.rungs[0].playlist_key), "segment_000.ts")
