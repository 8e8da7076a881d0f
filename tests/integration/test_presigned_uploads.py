"""Admins upload straight to S3: one presigned PUT, or presigned multipart parts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from chalicelib.core.clients import aws_client
from chalicelib.core.settings import Settings, reload_settings
from chalicelib.transcode.uploads import uploaded_objects
from tests.support.api import Browser
from tests.support.catalog import make_movie, token_headers
from tests.support.factories import make_account
from tests.support.uploads import next_upload_notification


@pytest.fixture
def small_single_put_limit(monkeypatch: pytest.MonkeyPatch, stack: Settings) -> Iterator[None]:
    monkeypatch.setenv("REELSTACK_UPLOAD_SINGLE_PUT_MAX_BYTES", "1024")
    reload_settings()
    yield
    monkeypatch.undo()
    reload_settings()


def test_a_small_file_gets_one_presigned_put(
    browser: Browser, admin: dict[str, str], stack: Settings
) -> None:
    movie = make_movie("Small", status="draft")

    answer = browser.post(f"/api/admin/videos/{movie.movie_id}/upload/",
                          {"filename": "clip one.mp4", "size": 11, "content_type": "video/mp4"},
                          headers=admin)

    assert answer.status_code == 201 and answer.json_body["method"] == "PUT"
    put = requests.put(answer.json_body["url"], data=b"video bytes",
                       headers=answer.json_body["headers"], timeout=10)
    assert put.status_code == 200
    [uploaded] = uploaded_objects(next_upload_notification(stack))
    assert uploaded.key == answer.json_body["key"]
    assert uploaded.key.startswith(f"videos/{movie.movie_id}/") and uploaded.key.endswith(
        "clip one.mp4")


def test_a_large_file_gets_multipart_parts_then_completes(
    browser: Browser, admin: dict[str, str], stack: Settings, small_single_put_limit: None
) -> None:
    movie = make_movie("Large", status="draft")
    answer = browser.post(f"/api/admin/videos/{movie.movie_id}/upload/",
                          {"filename": "big.mov", "size": 4096,
                           "content_type": "video/quicktime"}, headers=admin).json_body
    assert answer["method"] == "MULTIPART" and len(answer["parts"]) == 1

    part = requests.put(answer["parts"][0]["url"], data=b"x" * 4096, timeout=10)
    done = browser.post(f"/api/admin/videos/{movie.movie_id}/upload/complete/", {
        "key": answer["key"], "upload_id": answer["upload_id"],
        "parts": [{"part_number": 1, "etag": part.headers["ETag"]}],
    }, headers=admin)

    assert done.status_code == 200
    head = aws_client("s3").head_object(Bucket=stack.buckets.uploads, Key=answer["key"])
    assert head["ContentLength"] == 4096


def test_an_abandoned_multipart_upload_can_be_aborted(
    browser: Browser, admin: dict[str, str], stack: Settings, small_single_put_limit: None
) -> None:
    movie = make_movie("Abandoned", status="draft")
    answer = browser.post(f"/api/admin/videos/{movie.movie_id}/upload/",
                          {"filename": "big.mp4", "size": 2048}, headers=admin).json_body

    aborted = browser.post(f"/api/admin/videos/{movie.movie_id}/upload/abort/",
                           {"key": answer["key"], "upload_id": answer["upload_id"]},
                           headers=admin)

    assert aborted.status_code == 204
    uploads = aws_client("s3").list_multipart_uploads(Bucket=stack.buckets.uploads)
    assert uploads.get("Uploads", []) == []


@pytest.mark.parametrize("body, field", [
    ({"size": 10}, "filename"),
    ({"filename": "a.mp4"}, "size"),
    ({"filename": "a.mp4", "size": -1}, "size"),
    ({"filename": "a.mp4", "size": 10, "content_type": "application/pdf"}, "content_type"),
])
def test_bad_upload_requests_are_400(browser: Browser, admin: dict[str, str],
                                     body: dict[str, object], field: str) -> None:
    movie = make_movie("Any", status="draft")

    answer = browser.post(f"/api/admin/videos/{movie.movie_id}/upload/", body, headers=admin)

    assert answer.status_code == 400 and answer.json_body["field"] == field


def test_uploads_are_for_admins_and_known_movies(browser: Browser, admin: dict[str, str]) -> None:
    viewer = token_headers(browser, make_account())
    movie = make_movie("Guarded", status="draft")
    body = {"filename": "a.mp4", "size": 10}

    assert browser.post(f"/api/admin/videos/{movie.movie_id}/upload/", body,
                        headers=viewer).status_code == 403
    assert browser.post("/api/admin/videos/nope/upload/", body, headers=admin).status_code == 404
    wrong_key = browser.post(f"/api/admin/videos/{movie.movie_id}/upload/complete/",
                             {"key": "videos/other/x.mp4", "upload_id": "u", "parts": []},
                             headers=admin)
    assert wrong_key.status_code == 400
