"""What the admin console adds to the API: resuming a multipart upload, the pipeline view,
re-running a failed transcode, replacing a poster, TMDb search and finding accounts."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
import requests

from chalicelib.catalog import transcoding
from chalicelib.catalog.listing import card_for
from chalicelib.catalog.models import MovieModel
from chalicelib.catalog.pipeline import source_to_rerun
from chalicelib.core.clients import aws_client
from chalicelib.core.errors import Conflict
from chalicelib.core.settings import Settings, reload_settings
from chalicelib.transcode.service import accept_uploads, handle_transcoder_event, rerun_transcode
from tests.support.api import Browser
from tests.support.catalog import make_movie
from tests.support.factories import make_account
from tests.support.fake_tmdb import TINY_JPEG, TINY_PNG, FakeTmdb
from tests.support.uploads import RecordingRunner, failed_event, upload

MIB = 1024 * 1024
WEB_ORIGIN = "http://127.0.0.1:8080"


@pytest.fixture
def five_mib_parts(monkeypatch: pytest.MonkeyPatch, stack: Settings) -> Iterator[None]:
    monkeypatch.setenv("REELSTACK_UPLOAD_SINGLE_PUT_MAX_BYTES", "1024")
    monkeypatch.setenv("REELSTACK_UPLOAD_PART_BYTES", str(5 * MIB))
    reload_settings()
    yield
    monkeypatch.undo()
    reload_settings()


def test_a_multipart_upload_resumes_with_only_the_missing_parts(
    browser: Browser, admin: dict[str, str], stack: Settings, five_mib_parts: None
) -> None:
    movie = make_movie("Resumed", status="draft")
    size = 5 * MIB + 100
    started = browser.post(f"/api/admin/videos/{movie.movie_id}/upload/",
                           {"filename": "film.mp4", "size": size}, headers=admin).json_body
    assert (started["method"], started["part_size"], len(started["parts"])) == (
        "MULTIPART", 5 * MIB, 2)
    # As a browser sends it: the bucket's CORS lets the page read the part's ETag.
    first = requests.put(started["parts"][0]["url"], data=b"a" * (5 * MIB), timeout=30,
                         headers={"Origin": WEB_ORIGIN})
    assert first.ok and "ETag" in first.headers["Access-Control-Expose-Headers"]

    upload_ref = {"key": started["key"], "upload_id": started["upload_id"], "size": size,
                  "part_size": started["part_size"]}
    resumed = browser.post(f"/api/admin/videos/{movie.movie_id}/upload/resume/", upload_ref,
                           headers=admin)

    assert resumed.status_code == 200, resumed.json_body
    assert resumed.json_body["done"] == [
        {"part_number": 1, "etag": first.headers["ETag"], "size": 5 * MIB}]
    [missing] = resumed.json_body["parts"]
    assert missing["part_number"] == 2
    second = requests.put(missing["url"], data=b"b" * 100, timeout=30)
    done = browser.post(f"/api/admin/videos/{movie.movie_id}/upload/complete/", {
        "key": started["key"], "upload_id": started["upload_id"],
        "parts": [{"part_number": 1, "etag": first.headers["ETag"]},
                  {"part_number": 2, "etag": second.headers["ETag"]}]}, headers=admin)
    assert done.status_code == 200, done.json_body
    head = aws_client("s3").head_object(Bucket=stack.buckets.uploads, Key=started["key"])
    assert head["ContentLength"] == size


def test_resuming_refuses_another_movies_key_and_a_finished_upload(
    browser: Browser, admin: dict[str, str], viewer: dict[str, str], five_mib_parts: None
) -> None:
    movie, other = make_movie("Mine", status="draft"), make_movie("Other", status="draft")
    started = browser.post(f"/api/admin/videos/{movie.movie_id}/upload/",
                           {"filename": "film.mp4", "size": 6 * MIB}, headers=admin).json_body
    ref = {"key": started["key"], "upload_id": started["upload_id"], "size": 6 * MIB}
    path = f"/api/admin/videos/{movie.movie_id}/upload/resume/"

    assert browser.post(path, ref, headers=viewer).status_code == 403
    wrong = browser.post(f"/api/admin/videos/{other.movie_id}/upload/resume/", ref,
                         headers=admin)
    assert (wrong.status_code, wrong.json_body["Code"]) == (400, "InvalidInput")
    tiny = browser.post(path, {**ref, "part_size": 1024}, headers=admin)
    assert (tiny.status_code, tiny.json_body["field"]) == (400, "part_size")
    browser.post(f"/api/admin/videos/{movie.movie_id}/upload/abort/", ref, headers=admin)
    gone = browser.post(path, ref, headers=admin)
    assert (gone.status_code, gone.json_body["Code"]) == (410, "Gone")


def test_the_pipeline_shows_each_status_with_progress_and_reason(
    browser: Browser, admin: dict[str, str], viewer: dict[str, str]
) -> None:
    draft = make_movie("Drafty", status="draft")
    ready = make_movie("Done", status="ready")
    running = make_movie("Running", status="draft")
    transcoding.begin_version(running.movie_id, "v1", f"videos/{running.movie_id}/a.mp4")
    transcoding.record_progress(running.movie_id, "v1", 42.5)
    broken = make_movie("Broken", status="draft")
    transcoding.begin_version(broken.movie_id, "v1", f"videos/{broken.movie_id}/b.mp4")
    transcoding.fail_version(broken.movie_id, "v1", "not a video: no video stream")

    assert browser.get("/api/admin/pipeline/", headers=viewer).status_code == 403
    answer = browser.get("/api/admin/pipeline/", headers=admin)

    assert answer.status_code == 200
    statuses = answer.json_body["statuses"]
    assert [row["movie_id"] for row in statuses["draft"]] == [draft.movie_id]
    assert [row["movie_id"] for row in statuses["ready"]] == [ready.movie_id]
    # Only the movies under way or failed carry the transcode fields (null when unset).
    assert list(statuses["draft"][0]) == ["movie_id", "id", "title", "status", "created_at"]
    [row] = statuses["processing"]
    assert (row["movie_id"], row["progress"], row["stage"], row["can_rerun"]) == (
        running.movie_id, 42.5, "encoding", False)
    assert row["reason"] is None and list(row)[5:] == [
        "updated_at", "progress", "stage", "reason", "can_rerun"]
    [row] = statuses["failed"]
    assert (row["title"], row["reason"], row["can_rerun"]) == (
        "Broken", "not a video: no video stream", True)
    assert statuses["playable"] == []


def test_a_movie_caught_between_its_old_and_new_cards_shows_once(
    browser: Browser, admin: dict[str, str]
) -> None:
    """A status change saves the new cards before it deletes the old (one batch, not a
    transaction): a pipeline read in between must not list the movie twice."""
    running = make_movie("Between", status="draft")
    transcoding.begin_version(running.movie_id, "v1", f"videos/{running.movie_id}/a.mp4")
    stale = card_for(MovieModel.get(running.movie_id), "status#draft")
    stale.status = "draft"
    stale.save()  # as the old card still stands before the batch deletes it

    statuses = browser.get("/api/admin/pipeline/", headers=admin).json_body["statuses"]

    assert [row["movie_id"] for row in statuses["processing"]] == [running.movie_id]
    assert running.movie_id not in [row["movie_id"] for row in statuses["draft"]]


def test_a_failed_movie_is_transcoded_again_from_its_source(
    browser: Browser, admin: dict[str, str], viewer: dict[str, str], stack: Settings
) -> None:
    runner = RecordingRunner()
    movie = make_movie("Second Chance", status="draft")
    accept_uploads(upload(stack, f"videos/{movie.movie_id}/cut.mp4"), runner)
    [first] = runner.started
    handle_transcoder_event(failed_event(first, retryable=False, reason="ffmpeg crashed"),
                            runner)
    assert MovieModel.get(movie.movie_id).status == "failed"
    path = f"/api/admin/videos/{movie.number}/transcode/"
    assert browser.post(path, headers=viewer).status_code == 403

    source = source_to_rerun(str(movie.number))
    job = rerun_transcode(source.movie_id, source.source_key, runner)

    assert runner.started[-1] == job and job.source_key == first.source_key
    assert job.version != first.version
    again = MovieModel.get(movie.movie_id)
    assert (again.status, again.pending_version) == ("processing", job.version)
    assert again.status_reason is None
    busy = browser.post(path, headers=admin)  # it runs: nothing to re-run
    assert (busy.status_code, busy.json_body["Code"]) == (409, "Conflict")
    with pytest.raises(Conflict):
        source_to_rerun(make_movie("Fine", status="ready").movie_id)


def test_a_rerun_whose_source_is_gone_says_so(
    browser: Browser, admin: dict[str, str], stack: Settings
) -> None:
    runner = RecordingRunner()
    movie = make_movie("Lost Source", status="draft")
    accept_uploads(upload(stack, f"videos/{movie.movie_id}/cut.mp4"), runner)
    handle_transcoder_event(failed_event(runner.started[0], retryable=False), runner)
    aws_client("s3").delete_object(Bucket=stack.buckets.uploads,
                                   Key=f"videos/{movie.movie_id}/cut.mp4")

    gone = browser.post(f"/api/admin/videos/{movie.movie_id}/transcode/", headers=admin)

    assert (gone.status_code, gone.json_body["Code"]) == (410, "Gone")
    assert "upload the video again" in gone.json_body["Message"]
    assert MovieModel.get(movie.movie_id).status == "failed"


def test_a_poster_is_replaced_by_an_uploaded_image(
    browser: Browser, admin: dict[str, str], stack: Settings
) -> None:
    movie = make_movie("Posterless", status="draft")
    path = f"/api/admin/videos/{movie.movie_id}/images/poster/"
    media = aws_client("s3")

    first = browser.request("PUT", path, {"data": base64.b64encode(TINY_PNG).decode()},
                            headers=admin)
    assert first.status_code == 200, first.json_body
    assert first.json_body["poster_url"] == (
        f"{stack.public_api_url}/api/video/{movie.movie_id}/images/poster/")
    second = browser.request("PUT", path, {
        "data": "data:image/jpeg;base64," + base64.b64encode(TINY_JPEG).decode()}, headers=admin)
    assert second.status_code == 200

    listed = media.list_objects_v2(Bucket=stack.buckets.media,
                                   Prefix=f"videos/{movie.movie_id}/images/")["Contents"]
    [kept] = [o["Key"] for o in listed]
    assert kept.endswith(".jpg") and MovieModel.get(movie.movie_id).poster_url == kept
    svg = base64.b64encode(b"<svg xmlns='http://www.w3.org/2000/svg'/>").decode()
    refused = browser.request("PUT", path, {"data": svg}, headers=admin)
    assert (refused.status_code, refused.json_body["field"]) == (400, "data")
    thumbnail = browser.request("PUT", path.replace("poster", "thumbnail"),
                                {"data": base64.b64encode(TINY_PNG).decode()}, headers=admin)
    assert thumbnail.status_code == 404


def test_tmdb_search_offers_posters_and_names_what_is_imported(
    browser: Browser, admin: dict[str, str], tmdb: FakeTmdb
) -> None:
    tmdb.add_movie(961, "The General", year=1926, genres=["Action"])
    tmdb.add_movie(962, "The General Line", year=1929, genres=["Drama"])
    imported = browser.post("/api/admin/videos/import/", {"tmdb_id": 961}, headers=admin)

    found = browser.get("/api/admin/tmdb/search/?title=the%20general", headers=admin)

    assert found.status_code == 200, found.json_body
    by_id = {r["tmdb_id"]: r for r in found.json_body}
    assert by_id[961]["movie_id"] == imported.json_body["movie_id"]
    assert by_id[962]["movie_id"] is None and by_id[962]["year"] == 1929
    assert by_id[961]["poster_url"].startswith(tmdb.environ()["REELSTACK_TMDB_IMAGE_URL"])
    missing = browser.get("/api/admin/tmdb/search/", headers=admin)
    assert (missing.status_code, missing.json_body["field"]) == (400, "title")


def test_accounts_are_found_by_their_exact_address(
    browser: Browser, admin: dict[str, str], viewer: dict[str, str]
) -> None:
    someone = make_account()

    found = browser.get(f"/api/admin/users/?email={someone.email.upper()}", headers=admin)

    assert found.status_code == 200
    assert found.json_body == [{"id": someone.user_id, "email": someone.email, "role": "user",
                                "plan": found.json_body[0]["plan"], "is_active": True}]
    assert browser.get("/api/admin/users/?email=nobody@example.com",
                       headers=admin).json_body == []
    bad = browser.get("/api/admin/users/?email=not-an-address", headers=admin)
    assert (bad.status_code, bad.json_body["field"]) == (400, "email")
    assert browser.get(f"/api/admin/users/?email={someone.email}",
                       headers=viewer).status_code == 403
