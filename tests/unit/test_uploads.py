from __future__ import annotations

import json

import pytest

from chalicelib.core.errors import InvalidInput
from chalicelib.transcode.uploads import UploadedObject, uploaded_objects


def s3_event(key: str, event_name: str = "ObjectCreated:Put") -> str:
    return json.dumps({"Records": [{
        "eventName": event_name,
        "s3": {
            "bucket": {"name": "reelstack-local-uploads"},
            "object": {"key": key, "size": 1234, "eTag": "abc123"},
        },
    }]})


def test_keys_are_url_decoded_as_real_s3_sends_them() -> None:
    [upload] = uploaded_objects(s3_event("videos/42/my+first+movie%28cut%29.mp4"))

    assert upload == UploadedObject(
        bucket="reelstack-local-uploads", key="videos/42/my first movie(cut).mp4",
        etag="abc123", size=1234,
    )
    assert upload.idempotency_key == (
        "upload:reelstack-local-uploads/videos/42/my first movie(cut).mp4@abc123"
    )


def test_a_test_event_announces_nothing() -> None:
    body = json.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": "b"})

    assert uploaded_objects(body) == []


def test_only_created_objects_count() -> None:
    assert uploaded_objects(s3_event("videos/a.mp4", "ObjectRemoved:Delete")) == []


@pytest.mark.parametrize("body", ["not json", "[1, 2]", json.dumps({"Records": [{
    "eventName": "ObjectCreated:Put", "s3": {"bucket": {}}}]})])
def test_malformed_notifications_are_invalid_input(body: str) -> None:
    with pytest.raises(InvalidInput):
        uploaded_objects(body)
