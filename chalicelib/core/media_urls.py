"""How clients are sent to the private media bucket: presigned S3 URLs (the default, and
what runs locally) or signed CloudFront URLs (`REELSTACK_MEDIA_DELIVERY=cloudfront`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from chalicelib.core.clients import s3
from chalicelib.core.cloudfront import CloudFrontSigner, signing_key
from chalicelib.core.settings import Settings

FileUrl = Callable[[str], str]


class MediaUrls(Protocol):
    def object_url(self, key: str, seconds: int) -> str:
        """A URL for one object of the media bucket, valid for `seconds`."""
        ...

    def folder_urls(self, folder: str, seconds: int) -> FileUrl:
        """A function giving the URL of each file in `folder` (a key prefix)."""
        ...


class PresignedS3Urls:
    def __init__(self, bucket: str) -> None:
        self.bucket = bucket

    def object_url(self, key: str, seconds: int) -> str:
        return str(s3().generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=seconds))

    def folder_urls(self, folder: str, seconds: int) -> FileUrl:
        return lambda name: self.object_url(f"{folder.rstrip('/')}/{name}", seconds)


class SignedCloudFrontUrls:
    def __init__(self, signer: CloudFrontSigner) -> None:
        self.signer = signer

    def object_url(self, key: str, seconds: int) -> str:
        return self.signer.object_url(key, seconds)

    def folder_urls(self, folder: str, seconds: int) -> FileUrl:
        return self.signer.folder_signer(folder, seconds)


def media_urls(settings: Settings) -> MediaUrls:
    delivery = settings.delivery
    if not delivery.via_cloudfront:
        return PresignedS3Urls(settings.buckets.media)
    key = signing_key(delivery.cloudfront_key_secret)
    return SignedCloudFrontUrls(
        CloudFrontSigner(delivery.cloudfront_domain, delivery.cloudfront_key_id, key))
