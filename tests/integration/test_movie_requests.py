"""Movie requests: asking (dedup, quota, 409s), admin triage, and the loop's steps up to
the transcode pipeline, against the emulator with a fake TMDb and a source server."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chalicelib.catalog import transcoding
from chalicelib.catalog.inputs import MovieEdit
from chalicelib.catalog.movies import update_movie
from chalicelib.catalog.requested import movie_for_tmdb
from chalicelib.core import envvars
from chalicelib.core.clients import aws_client
from chalicelib.core.settings import Settings, get_settings, reload_settings
from chalicelib.movie_requests import ledger, loop, service, steps
from chalicelib.movie_requests.acquire_tasks import AcquireTask
from chalicelib.movie_requests.inputs import MovieWish
from chalicelib.movie_requests.models import QuotaRecord, RequestRecord, quota_key
from chalicelib.transcode.chunk_tasks import ChunkTask
from chalicelib.transcode.jobs import TranscodeJob
from chalicelib.transcode.outcomes import announce_transcoded
from chalicelib.transcode.runners import EcsRunner
from tests.support.api import Browser
from tests.support.catalog import token_headers
from tests.support.factories import TestAccount, inbox, make_account
from tests.support.hls import ready_media
from tests.support.movie_requests import (
    MP4_HEAD,
    RequestWorld,
    request_world,
    run_request_loop,
    run_request_loop_until_settled_from,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "containers" / "transcoder"))

from transcoder.cli import build_parser


@pytest.fixture
def world(stack: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
          ) -> Iterator[RequestWorld]:
    with request_world(monkeypatch, tmp_path, **{envvars.REQUESTS_MAX_OPEN: "3"}) as made:
        made.tmdb.add_movie(603, "The Matrix", year=1999)
        made.tmdb.add_movie(604, "The Matrix Reloaded", year=2003)
        yield made


def ask(browser: Browser, account: TestAccount, body: dict[str, object]) -> dict[str, Any]:
    response = browser.post("/api/requests/", body, headers=token_headers(browser, account))
    assert response.status_code == 202, response.json_body
    return dict(response.json_body)


def configure(monkeypatch: pytest.MonkeyPatch, variables: dict[str, str]) -> None:
    """More settings for this test (undone with the world's)."""
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    reload_settings()


def approve_and_run(browser: Browser, admin: dict[str, str], request_id: str,
                    source_url: str) -> None:
    """An admin approves with the source; the loop then runs as far as it can."""
    approved = browser.post(f"/api/admin/requests/{request_id}/approve/",
                            {"source_url": source_url}, headers=admin)
    assert approved.status_code == 202, approved.json_body
    run_request_loop()


def open_count(user_id: str) -> int:
    return int(QuotaRecord.get(quota_key(user_id), consistent_read=True).open_count or 0)


def test_parallel_requests_for_one_movie_are_one_request_with_every_requester(
    world: RequestWorld,
) -> None:
    users = [make_account() for _ in range(8)]
    asked: list[service.Asked] = []
    barrier = threading.Barrier(len(users) + 2)

    def ask_at_once(user: TestAccount) -> None:
        barrier.wait()
        asked.append(service.request_movie(user.user_id, MovieWish(tmdb_id=603)))

    threads = [threading.Thread(target=ask_at_once, args=(u,))
               for u in [*users, users[0], users[0]]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len({a.request.request_id for a in asked}) == 1
    assert sum(a.created for a in asked) == 1
    request = ledger.get_request(asked[0].request.request_id)
    assert request.requesters == {u.user_id for u in users}
    assert [open_count(u.user_id) for u in users] == [1] * len(users)  # asking twice is once


def test_a_request_by_title_is_resolved_through_tmdb_search(
    browser: Browser, world: RequestWorld
) -> None:
    user = make_account()

    body = ask(browser, user, {"title": "The Matrix Reloaded", "year": 2003,
                               "privacy_policy": "on"})

    assert (body["tmdb_id"], body["title"], body["state"]) == (604, "The Matrix Reloaded",
                                                               "requested")
    listed = browser.get("/api/requests/", headers=token_headers(browser, user)).json_body
    assert [r["request_id"] for r in listed] == [body["request_id"]]
    assert listed[0]["timeline"][0]["state"] == "requested"


def test_bad_requests_are_clear_4xx(browser: Browser, world: RequestWorld) -> None:
    headers = token_headers(browser, make_account())

    answers = {
        "empty": browser.post("/api/requests/", {}, headers=headers),
        "not an id": browser.post("/api/requests/", {"tmdb_id": "abc"}, headers=headers),
        "unknown id": browser.post("/api/requests/", {"tmdb_id": 999}, headers=headers),
        "unknown title": browser.post("/api/requests/", {"title": "Nope Nope"},
                                      headers=headers),
        "anonymous": browser.post("/api/requests/", {"tmdb_id": 603}),
    }

    statuses = {name: r.status_code for name, r in answers.items()}
    assert statuses == {"empty": 400, "not an id": 400, "unknown id": 404,
                        "unknown title": 404, "anonymous": 401}
    assert all("Code" in r.json_body for r in answers.values())
    assert browser.get("/api/admin/requests/", headers=headers).status_code == 403


def test_a_movie_already_ready_is_a_409_naming_it(
    browser: Browser, world: RequestWorld, admin: dict[str, str]
) -> None:
    imported = browser.post("/api/admin/videos/import/", {"tmdb_id": 603}, headers=admin)
    update_movie(imported.json_body["movie_id"], MovieEdit(status="ready"))

    answer = browser.post("/api/requests/", {"tmdb_id": 603},
                          headers=token_headers(browser, make_account()))

    assert answer.status_code == 409
    assert answer.json_body["Code"] == "MovieAlreadyAvailable"
    assert (answer.json_body["movie_id"], answer.json_body["title"]) == (
        imported.json_body["movie_id"], "The Matrix")


def test_open_requests_are_limited_per_user_until_one_settles(
    browser: Browser, world: RequestWorld, admin: dict[str, str]
) -> None:
    for tmdb_id in (701, 702, 703, 704):
        world.tmdb.add_movie(tmdb_id, f"Film {tmdb_id}")
    user = make_account()
    first = ask(browser, user, {"tmdb_id": 701})
    ask(browser, user, {"tmdb_id": 702})
    ask(browser, user, {"tmdb_id": 703})

    over = browser.post("/api/requests/", {"tmdb_id": 704},
                        headers=token_headers(browser, user))
    rejected = browser.post(f"/api/admin/requests/{first['request_id']}/reject/",
                            {"reason": "Not licensed in your region."}, headers=admin)
    run_request_loop()
    again = browser.post("/api/requests/", {"tmdb_id": 704},
                         headers=token_headers(browser, user))

    assert over.status_code == 429
    assert over.json_body["Code"] == "RequestQuotaReached" and "Retry-After" in over.headers
    assert rejected.status_code == 200 and rejected.json_body["state"] == "rejected"
    assert again.status_code == 202
    [mail] = [m for m in inbox(user.email) if "Film 701" in m.subject]
    assert "Not licensed in your region." in mail.text


def test_admins_list_approve_and_refuse_bad_approvals(
    browser: Browser, world: RequestWorld, admin: dict[str, str]
) -> None:
    request_id = ask(browser, make_account(), {"tmdb_id": 603})["request_id"]

    waiting = browser.get("/api/admin/requests/?state=requested", headers=admin).json_body
    no_source = browser.post(f"/api/admin/requests/{request_id}/approve/", {}, headers=admin)
    bad_source = browser.post(f"/api/admin/requests/{request_id}/approve/",
                              {"source_url": "file:///etc/passwd"}, headers=admin)
    bad_state = browser.get("/api/admin/requests/?state=lost", headers=admin)
    approved = browser.post(f"/api/admin/requests/{request_id}/approve/",
                            {"source_url": world.sources.url("matrix.mp4")}, headers=admin)
    twice = browser.post(f"/api/admin/requests/{request_id}/approve/",
                         {"source_url": world.sources.url("matrix.mp4")}, headers=admin)
    late_reject = browser.post(f"/api/admin/requests/{request_id}/reject/",
                               {"reason": "changed my mind"}, headers=admin)
    unknown = browser.post("/api/admin/requests/nope/approve/", {}, headers=admin)

    assert [r["request_id"] for r in waiting] == [request_id]
    assert waiting[0]["requesters"] == 1
    assert (no_source.status_code, no_source.json_body["Code"]) == (409, "NoSourceFound")
    assert (bad_source.status_code, bad_state.status_code) == (400, 400)
    assert approved.status_code == 202 and approved.json_body["state"] == "approved"
    assert twice.status_code == 409
    assert late_reject.status_code == 200  # approved, not yet acquiring: still rejectable
    assert unknown.status_code == 404


def test_approval_acquires_the_source_into_the_uploads_bucket_by_multipart(
    browser: Browser, world: RequestWorld, admin: dict[str, str], stack: Settings
) -> None:
    body = MP4_HEAD + bytes(range(256)) * (9 * 4096)  # 9 MiB + a bit: two parts
    url = world.serve("matrix.mp4", body)
    user = make_account()
    request_id = ask(browser, user, {"tmdb_id": 603})["request_id"]

    approve_and_run(browser, admin, request_id, url)

    request = ledger.get_request(request_id)
    assert request.state == "transcoding"
    assert [e.state for e in request.timeline or []] == [
        "requested", "approved", "acquiring", "transcoding"]
    key = f"videos/{request.movie_id}/source.mp4"
    landed = aws_client("s3").get_object(Bucket=stack.buckets.uploads, Key=key)
    assert landed["Body"].read() == body
    assert landed["ETag"].endswith('-2"')  # a multipart upload of two parts
    movie = movie_for_tmdb(603)
    assert movie is not None and movie.movie_id == request.movie_id
    assert movie.request_id == request_id and movie.status == "draft"


def test_redelivered_steps_change_nothing(
    browser: Browser, world: RequestWorld, admin: dict[str, str], stack: Settings
) -> None:
    url = world.serve("matrix.mp4", MP4_HEAD + b"\0" * 1000)
    request_id = ask(browser, make_account(), {"tmdb_id": 603})["request_id"]
    approve_and_run(browser, admin, request_id, url)
    movie_id = ledger.get_request(request_id).movie_id

    for step in (steps.CATALOG, steps.ACQUIRE, steps.CATALOG):
        steps.send(step, request_id)
    run_request_loop()

    request = ledger.get_request(request_id)
    assert (request.state, request.movie_id, len(request.timeline or [])) == (
        "transcoding", movie_id, 4)
    uploads = aws_client("s3").list_objects_v2(Bucket=stack.buckets.uploads,
                                               Prefix=f"videos/{movie_id}/")
    assert [o["Key"] for o in uploads["Contents"]] == [f"videos/{movie_id}/source.mp4"]


def test_a_ready_movie_mails_each_requester_once_and_fills_their_list(
    browser: Browser, world: RequestWorld, admin: dict[str, str]
) -> None:
    url = world.serve("matrix.mp4", MP4_HEAD + b"\0" * 1000)
    users = [make_account(), make_account()]
    request_id = ask(browser, users[0], {"tmdb_id": 603})["request_id"]
    ask(browser, users[1], {"tmdb_id": 603})
    approve_and_run(browser, admin, request_id, url)
    movie_id = str(ledger.get_request(request_id).movie_id)

    # What the transcode-events handler does when the transcoder reports ready.
    transcoding.begin_version(movie_id, "v1", "videos/x/source.mp4")
    published = transcoding.publish_version(movie_id, "v1",
                                            ready_media(f"videos/{movie_id}/v1"))
    assert published.request_id == request_id
    announce_transcoded(movie_id, request_id, "ready")  # which movie requests subscribe to
    announce_transcoded(movie_id, request_id, "ready")  # redelivered
    run_request_loop()
    steps.announce_settled(request_id, "ready")  # and again, later
    run_request_loop()

    assert ledger.get_request(request_id).state == "ready"
    for user in users:
        [mail] = [m for m in inbox(user.email) if "ready to watch" in m.subject]
        assert "The Matrix" in mail.subject
        assert any(f"/video/{movie_id}" in link or f"/watch/{movie_id}" in link
                   for link in mail.links)
        assert f"/api/video/{movie_id}/images/poster/" in mail.html
        watchlist = browser.get("/api/watchlist/", headers=token_headers(browser, user))
        assert [m["movie_id"] for m in watchlist.json_body] == [movie_id]
        assert open_count(user.user_id) == 0
    again = browser.post("/api/requests/", {"tmdb_id": 603},
                         headers=token_headers(browser, users[0]))
    assert again.status_code == 409


@pytest.mark.parametrize("case", [
    ("missing.mp4", None, "HTTP 404"),
    ("huge.mp4", MP4_HEAD + b"\0" * 5000, "over the limit of 4096"),
    ("page.html", b"<html><body>Not a movie</body></html>", "text/html, not a video"),
    ("disguised.bin", b"#!/bin/sh\necho this is no video\n" * 10, "is not a video"),
], ids=["404", "too large", "html", "not a video inside"])
def test_an_unusable_source_fails_the_request_with_the_reason(
    browser: Browser, world: RequestWorld, admin: dict[str, str],
    monkeypatch: pytest.MonkeyPatch, case: tuple[str, bytes | None, str],
) -> None:
    name, body, reason = case
    configure(monkeypatch, {envvars.SOURCE_MAX_BYTES: "4096"})
    uploads = get_settings().buckets.uploads
    url = world.serve(name, body) if body is not None else world.sources.url(name)
    user = make_account()
    request_id = ask(browser, user, {"tmdb_id": 603})["request_id"]

    approve_and_run(browser, admin, request_id, url)

    request = ledger.get_request(request_id)
    assert request.state == "failed"
    assert reason in (request.reason or "")
    [mail] = [m for m in inbox(user.email) if "could not get" in m.subject]
    assert reason in mail.text
    assert movie_for_tmdb(603) is None  # the draft made for it is gone
    assert aws_client("s3").list_objects_v2(Bucket=uploads).get("KeyCount", 0) == 0
    assert aws_client("s3").list_multipart_uploads(Bucket=uploads).get("Uploads", []) == []
    assert open_count(user.user_id) == 0


def test_a_source_that_keeps_failing_fails_the_request_on_the_last_attempt(
    browser: Browser, world: RequestWorld, admin: dict[str, str]
) -> None:
    request_id = ask(browser, make_account(), {"tmdb_id": 603})["request_id"]
    browser.post(f"/api/admin/requests/{request_id}/approve/",
                 {"source_url": "http://127.0.0.1:9/closed.mp4"}, headers=admin)
    assert loop.run_step(f'{{"step": "catalog", "request_id": "{request_id}"}}') \
        .startswith("catalog entry ready")
    acquire = f'{{"step": "acquire", "request_id": "{request_id}"}}'
    attempts = get_settings().movie_requests.max_attempts

    with pytest.raises(Exception, match="could not be read"):
        loop.run_step(acquire, receive_count=1)
    still = ledger.get_request(request_id).state
    with pytest.raises(Exception, match="could not be read"):
        loop.run_step(acquire, receive_count=attempts)

    assert still == "acquiring"
    request = ledger.get_request(request_id)
    assert request.state == "failed"
    assert f"gave up after {attempts} attempts" in (request.reason or "")


def test_auto_approval_takes_requests_a_configured_source_has(
    browser: Browser, stack: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with request_world(monkeypatch, tmp_path, **{
        envvars.REQUESTS_AUTO_APPROVE: "true",
        envvars.SOURCE_URL_TEMPLATE: "set below, once the server has a port",
    }) as world:
        configure(monkeypatch, {envvars.SOURCE_URL_TEMPLATE: world.sources.url("{tmdb_id}.mp4")})
        world.tmdb.add_movie(603, "The Matrix")
        world.tmdb.add_movie(604, "The Matrix Reloaded")
        world.serve("603.mp4", MP4_HEAD + b"\0" * 100)
        user = make_account()

        had = ask(browser, user, {"tmdb_id": 603})["request_id"]
        lacking = ask(browser, user, {"tmdb_id": 604})["request_id"]
        run_request_loop()

        assert ledger.get_request(had).state == "transcoding"
        assert ledger.get_request(had).source == world.sources.url("603.mp4")
        assert ledger.get_request(lacking).state == "requested"


def test_an_ingest_bucket_object_is_found_and_copied(
    browser: Browser, world: RequestWorld, admin: dict[str, str], stack: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ingest = f"{stack.prefix}-ingest"
    s3 = aws_client("s3")
    s3.create_bucket(Bucket=ingest)
    s3.put_object(Bucket=ingest, Key="603.mkv", Body=b"\x1a\x45\xdf\xa3" + b"\0" * 64,
                  ContentType="video/x-matroska")
    configure(monkeypatch, {envvars.SOURCE_INGEST_BUCKET: ingest})
    try:
        request_id = ask(browser, make_account(), {"tmdb_id": 603})["request_id"]
        approved = browser.post(f"/api/admin/requests/{request_id}/approve/", {},
                                headers=admin)
        run_request_loop()

        request = ledger.get_request(request_id)
        assert approved.json_body["source"] == f"s3://{ingest}/603.mkv"
        assert request.state == "transcoding"
        copied = s3.get_object(Bucket=stack.buckets.uploads,
                               Key=f"videos/{request.movie_id}/source.mkv")
        assert copied["Body"].read().startswith(b"\x1a\x45\xdf\xa3")
    finally:
        s3.delete_object(Bucket=ingest, Key="603.mkv")
        s3.delete_bucket(Bucket=ingest)


def test_a_large_source_is_acquired_by_a_task_that_reports_back(
    browser: Browser, world: RequestWorld, admin: dict[str, str], stack: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`python -m transcoder acquire` by the local runner, as ECS would run it: the source
    is over the (tiny) threshold, so no byte of it passes through the handler."""
    configure(monkeypatch, {envvars.SOURCE_TASK_ABOVE_BYTES: "1000"})
    body = MP4_HEAD + bytes(range(256)) * 64
    url = world.serve("matrix.mp4", body)
    request_id = ask(browser, make_account(), {"tmdb_id": 603})["request_id"]

    approve_and_run(browser, admin, request_id, url)
    handed = ledger.get_request(request_id)
    request = run_request_loop_until_settled_from(request_id, "acquiring")

    assert (handed.state, handed.acquire_run) == ("acquiring", f"acquire-{request_id}.1")
    assert request.state == "transcoding", request.reason
    assert (request.timeline or [])[-1].note == f"{len(body)} bytes acquired by a task"
    landed = aws_client("s3").get_object(Bucket=stack.buckets.uploads,
                                         Key=f"videos/{request.movie_id}/source.mp4")
    assert landed["Body"].read() == body
    assert landed["ContentType"] == "video/mp4"


class SilentRunner:
    """A TaskRunner whose tasks never run, so never report: they died at once."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self.stopped: list[tuple[str, str]] = []

    def start(self, job: TranscodeJob) -> str:
        self.started.append(job.run_id)
        return f"silent:{len(self.started)}"

    def stop(self, task_id: str, run_id: str) -> None:
        self.stopped.append((task_id, run_id))


def check_of(request: RequestRecord) -> str:
    """The deadline check the request waits for, as the queue delivers it once due."""
    return steps.Step(steps.ACQUIRE_DEADLINE, request.request_id, run_id=str(request.acquire_run),
                      due=int(request.acquire_check_due or 0)).body()


def test_an_acquire_task_that_dies_unheard_is_retried_then_fails_the_request(
    browser: Browser, world: RequestWorld, admin: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    configure(monkeypatch, {envvars.SOURCE_TASK_ABOVE_BYTES: "1000",
                            envvars.REQUESTS_MAX_ATTEMPTS: "2"})
    url = world.serve("matrix.mp4", MP4_HEAD + bytes(4000))
    user = make_account()
    request_id = ask(browser, user, {"tmdb_id": 603})["request_id"]
    browser.post(f"/api/admin/requests/{request_id}/approve/", {"source_url": url},
                 headers=admin)
    loop.run_step(steps.Step(steps.CATALOG, request_id).body())
    runner, now = SilentRunner(), 1_000_000.0
    first = f"acquire-{request_id}.1"

    loop.run_step(steps.Step(steps.ACQUIRE, request_id).body(), runner=runner,
                  clock=lambda: now)
    assert "has it" in loop.run_step(steps.Step(steps.ACQUIRE, request_id).body(),
                                     runner=runner)  # redelivered: no second task
    watched = ledger.get_request(request_id)
    early = loop.run_step(check_of(watched), runner=runner, clock=lambda: now + 1)
    retried = loop.run_step(check_of(watched), runner=runner,
                            clock=lambda: float(watched.acquire_deadline or 0))
    again = ledger.get_request(request_id)
    late = loop.run_step(steps.Step(steps.ACQUIRED, request_id, run_id=first, bytes=9).body(),
                         runner=runner)
    given_up = loop.run_step(check_of(again), runner=runner,
                             clock=lambda: float(again.acquire_deadline or 0) + 1)

    assert early.startswith("watching")  # not due yet: the check waits on
    assert runner.started == [first, f"acquire-{request_id}.2"]
    assert runner.stopped == [("silent:1", first), ("silent:2", f"acquire-{request_id}.2")]
    assert retried.startswith("retrying after: no word from the acquire task")
    assert late.startswith("ignored")  # the first run no longer has the request
    assert given_up.startswith("failed: gave up after 2 attempts: no word from the acquire")
    request = ledger.get_request(request_id)
    assert request.state == "failed"
    assert "gave up after 2 attempts" in (request.reason or "")
    assert [m for m in inbox(user.email) if "could not get" in m.subject] != []
    assert open_count(user.user_id) == 0


def test_an_acquire_task_that_reports_a_permanent_failure_fails_the_request_at_once(
    browser: Browser, world: RequestWorld, admin: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    configure(monkeypatch, {envvars.SOURCE_TASK_ABOVE_BYTES: "1000"})
    url = world.serve("matrix.mp4", MP4_HEAD + bytes(4000))
    request_id = ask(browser, make_account(), {"tmdb_id": 603})["request_id"]
    browser.post(f"/api/admin/requests/{request_id}/approve/", {"source_url": url},
                 headers=admin)
    loop.run_step(steps.Step(steps.CATALOG, request_id).body())
    runner = SilentRunner()
    loop.run_step(steps.Step(steps.ACQUIRE, request_id).body(), runner=runner)
    run_id = f"acquire-{request_id}.1"

    retried = loop.run_step(steps.Step(
        steps.ACQUIRE_FAILED, request_id, run_id=run_id, reason="the link dropped",
        retryable=True).body(), runner=runner)
    failed = loop.run_step(steps.Step(
        steps.ACQUIRE_FAILED, request_id, run_id=f"acquire-{request_id}.2",
        reason=f"The source {url} answered HTTP 410.").body(), runner=runner)

    assert retried.startswith("retrying after: the link dropped")
    assert failed == f"failed: The source {url} answered HTTP 410."
    request = ledger.get_request(request_id)
    assert (request.state, request.reason) == ("failed", f"The source {url} answered HTTP 410.")


class RecordingEcs:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def run_task(self, **call: Any) -> dict[str, Any]:
        self.calls.append(call)
        return {"tasks": [{"taskArn": "arn:aws:ecs:us-east-1:1:task/c/t1"}], "failures": []}


def test_on_ecs_the_acquire_task_gets_its_own_size_and_a_command_the_image_reads(
    stack: Settings, world: RequestWorld, monkeypatch: pytest.MonkeyPatch,
) -> None:
    configure(monkeypatch, {envvars.ACQUIRE_TASK_CPU: "512", envvars.ACQUIRE_TASK_MEMORY: "1024"})
    settings = get_settings()
    request = RequestRecord("r1", movie_id="m1", source="https://studio.example/603.mkv?sig=1")
    ecs = RecordingEcs()

    EcsRunner(settings, ecs).start(AcquireTask.of(request, 2, settings.buckets.uploads))

    [call] = ecs.calls
    overrides = call["overrides"]
    [container] = overrides["containerOverrides"]
    assert (overrides["cpu"], overrides["memory"]) == ("512", "1024")
    assert (container["cpu"], container["memory"]) == (512, 1024)
    args = build_parser().parse_args(container["command"])
    assert (args.url, args.bucket, args.key, args.job_id, args.request_id) == (
        "https://studio.example/603.mkv?sig=1", settings.buckets.uploads,
        "videos/m1/source.mkv", "acquire-r1.2", "r1")
    assert args.events_queue_url.endswith(settings.queues.movie_requests)


@pytest.mark.parametrize("size", [("", ""), ("2048", "4096")], ids=["default", "set"])
def test_chunk_tasks_take_the_definitions_size_unless_the_settings_give_one(
    stack: Settings, world: RequestWorld, monkeypatch: pytest.MonkeyPatch,
    size: tuple[str, str],
) -> None:
    cpu, memory = size
    overridden = {"cpu": cpu, "memory": memory} if cpu else {}
    configure(monkeypatch, {envvars.TRANSCODE_CHUNK_TASK_CPU: cpu,
                            envvars.TRANSCODE_CHUNK_TASK_MEMORY: memory})
    job = TranscodeJob("j1", 1, "m1", "v1", stack.buckets.uploads, "videos/m1/a.mp4")
    ecs = RecordingEcs()

    EcsRunner(get_settings(), ecs).start(ChunkTask.of(job, "c0", 1, ("chunk",)))

    [call] = ecs.calls
    assert {k: v for k, v in call["overrides"].items() if k != "containerOverrides"} == \
        overridden
