"""Accounts and tokens against a hostile client (issue 15): deleted accounts, demotions,
password resets, refresh races, control characters, review authors, the account mails."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlparse

import pytest
from chalice.test import Client

from chalicelib.auth import refresh_tokens, service
from chalicelib.auth.account_mail import MailPurpose, send_account_mail
from chalicelib.auth.accounts import DEFAULT_DISPLAY_NAME
from chalicelib.auth.admission import admit
from chalicelib.auth.jwt_tokens import TokenKind, issue
from chalicelib.auth.models import UserModel
from chalicelib.catalog import reviews
from chalicelib.catalog.inputs import NewReview
from chalicelib.catalog.models import ReviewModel, WatchlistModel
from chalicelib.core.clients import sqs
from chalicelib.core.errors import TooManyRequests, Unauthorized
from chalicelib.core.logs import lambda_context_middleware
from chalicelib.core.settings import Settings
from chalicelib.movie_requests.models import RequesterRecord
from chalicelib.playback.models import DeviceModel, ProgressModel, StreamSlotModel
from tests.support.api import Browser, bearer
from tests.support.aws_calls import counting_dynamodb_calls, listening
from tests.support.catalog import make_movie, token_headers
from tests.support.factories import (
    DEFAULT_PASSWORD,
    TestAccount,
    inbox,
    last_link,
    make_account,
    make_admin,
    new_email,
)
from tests.support.hls import make_playable_movie
from tests.support.iam import DeployedPolicies, recording_aws_calls
from tests.support.movie_requests import RequestWorld, request_world

NEW_PASSWORD = "a brand new passphrase"
SIGN_UP = {"password": DEFAULT_PASSWORD, "confirmed_password": DEFAULT_PASSWORD}


def login(browser: Browser, account: TestAccount) -> dict[str, Any]:
    response = browser.post("/auth/login/", {"email": account.email,
                                             "password": account.password})
    assert response.status_code == 200, response.json_body
    return dict(response.json_body)


def path_of(link: str) -> str:
    return urlparse(link).path


@contextmanager
def counting_sqs_calls() -> Iterator[Counter[str]]:
    calls: Counter[str] = Counter()

    def count(**kwargs: Any) -> None:
        calls[kwargs["model"].name] += 1

    with listening(lambda: [sqs()], "before-call.sqs", count):
        yield calls


@pytest.fixture
def world(stack: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
          ) -> Iterator[RequestWorld]:
    with request_world(monkeypatch, tmp_path) as made:
        made.tmdb.add_movie(603, "The Matrix", year=1999)
        yield made


# ---------------------------------------------------------------- 2: deleted accounts
def test_a_deleted_accounts_token_stops_working_at_once(
    browser: Browser, world: RequestWorld
) -> None:
    account, movie = make_account(), make_movie("Kept")
    headers = bearer(login(browser, account)["access"])

    assert browser.delete("/api/me/", {"password": account.password},
                          headers=headers).status_code == 204
    answers = {
        "protected": browser.get("/auth/protected_route/", headers=headers),
        "watchlist": browser.request("PUT", f"/api/watchlist/{movie.movie_id}/",
                                     headers=headers),
        "device": browser.post("/api/device/", {"name": "TV", "device_type": "tv",
                                                "device_id": "tv-1"}, headers=headers),
        "request": browser.post("/api/requests/", {"tmdb_id": 603}, headers=headers),
    }

    assert {name: a.status_code for name, a in answers.items()} == dict.fromkeys(answers, 401)
    assert {a.json_body["reason"] for a in answers.values()} == {"account_deleted"}
    with pytest.raises(UserModel.DoesNotExist):  # no ghost item left by a counter
        UserModel.get(account.user_id, consistent_read=True)
    assert list(WatchlistModel.query(account.user_id)) == []
    assert list(DeviceModel.query(account.user_id)) == []
    assert list(RequesterRecord.requester_index.query(account.user_id)) == []


def test_a_token_whose_account_is_gone_is_401_after_a_restart_too(browser: Browser,
                                                                  stack: Settings) -> None:
    # What a client still holds after the account went while the stack was down: a
    # validly signed token for a user id that no longer exists.
    token, _ = issue(stack, TokenKind.ACCESS, str(uuid.uuid4()), 900, role="user", gen=0)

    answer = browser.get("/auth/protected_route/", headers=bearer(token))

    assert answer.status_code == 401  # before: 200
    assert answer.json_body["reason"] == "account_deleted"


def test_a_token_from_before_generations_counts_as_generation_zero(browser: Browser,
                                                                  stack: Settings) -> None:
    account = make_account()
    legacy, _ = issue(stack, TokenKind.ACCESS, account.user_id, 900, role="user")  # no `gen`
    assert browser.get("/auth/protected_route/", headers=bearer(legacy)).status_code == 200

    browser.post("/api/password_reset/", {"email": account.email})
    browser.post(path_of(last_link(account.email, "/password_confirm/")),
                 {"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})

    assert browser.get("/auth/protected_route/", headers=bearer(legacy)).status_code == 401


def test_uncounted_playback_calls_of_a_deleted_account_write_nothing(browser: Browser) -> None:
    """Heartbeats and segments skip the admission write; what stops them is that the
    account's watch sessions are erased with it, and the plan lookup fails."""
    account, movie = make_account(), make_playable_movie()
    headers = token_headers(browser, account)
    browser.post("/api/device/", {"name": "TV", "device_type": "tv", "device_id": "tv-1"},
                 headers=headers)
    started = browser.post("/api/playback/start/", {"movie_id": movie.movie_id,
                                                    "device_id": "tv-1"}, headers=headers)
    assert started.status_code == 201, started.json_body
    service.delete_account(account.user_id, account.password)

    beat = browser.post("/api/playback/heartbeat/", {
        "watch_session_id": started.json_body["watch_session_id"], "position": 30},
        headers=headers)
    segment = browser.get(f"/api/video/{movie.movie_id}/480p/segment_000.ts/",
                          headers=headers)

    assert beat.status_code in (404, 410)  # the session is gone with the account
    assert segment.status_code in (401, 404)  # the account (for its plan) is gone
    assert list(ProgressModel.query(account.user_id)) == []
    assert list(StreamSlotModel.query(account.user_id)) == []


def test_an_authenticated_request_costs_one_dynamodb_call(browser: Browser) -> None:
    account, admin = make_account(), make_admin()
    user_headers, admin_headers = token_headers(browser, account), token_headers(browser, admin)

    with counting_dynamodb_calls() as protected:
        for _ in range(5):
            assert browser.get("/auth/protected_route/", headers=user_headers).status_code == 200
    with counting_dynamodb_calls() as me:
        assert browser.get("/api/me/", headers=user_headers).status_code == 200
    with counting_dynamodb_calls() as admin_route:
        assert browser.get(f"/api/admin/users/{account.user_id}/",
                           headers=admin_headers).status_code == 200

    # Before: the same counter write per request, plus a GetItem of the account for
    # /api/me/ and one more for every admin route (the role check).
    assert protected == {"UpdateItem": 5}
    assert me == {"UpdateItem": 1}
    assert admin_route == {"UpdateItem": 1, "GetItem": 1}  # the looked-up account


def test_admission_counts_per_minute_in_one_write(stack: Settings) -> None:
    account, start = make_account(), 60.0 * (int(time.time() // 60) + 5)

    def admitted_at(offset: float) -> int:
        with counting_dynamodb_calls() as calls:
            assert admit(stack, account.user_id, 0, clock=lambda: start + offset).role == "user"
        return calls["UpdateItem"] + calls["GetItem"]

    first_minute = [admitted_at(n * 0.9) for n in range(stack.requests_per_minute)]
    with pytest.raises(TooManyRequests) as limited:
        admit(stack, account.user_id, 0, clock=lambda: start + 59.5)
    next_minute = [admitted_at(60 + n) for n in range(stack.requests_per_minute)]
    after_pauses = [admitted_at(60 * 3), admitted_at(60 * 3 + 1), admitted_at(60 * 6)]

    assert first_minute == [1] * stack.requests_per_minute  # a fresh counter included
    assert limited.value.retry_after == 1
    assert next_minute == [1] * stack.requests_per_minute  # the new minute starts afresh
    # After an even number of silent minutes the minute's slot holds a stale count: a
    # second write starts it afresh; after an odd number, the slot was removed.
    assert after_pauses == [2, 1, 1]


# ---------------------------------------------------------------- 3: role changes
def test_a_demoted_admins_old_token_no_longer_lists_drafts(browser: Browser) -> None:
    admin = make_admin()
    headers = token_headers(browser, admin)
    draft = make_movie("Unfinished", status="draft")
    listed = browser.get("/api/video/?status=all", headers=headers)
    assert listed.status_code == 200
    assert draft.movie_id in {m.get("movie_id", m["id"]) for m in listed.json_body}

    service.set_role(admin.user_id, "user")

    after = browser.get("/api/video/?status=all", headers=headers)
    assert after.status_code == 403  # before: 200, the role came from the token
    whoami = browser.get("/auth/protected_route/", headers=headers)
    assert whoami.json_body["user"]["role"] == "user"


# ---------------------------------------------------------------- 4: password reset
def test_a_reset_request_does_the_same_work_for_any_address(browser: Browser) -> None:
    known, unknown = make_account(), new_email()
    browser.post("/api/password_reset/", {"email": new_email()})  # opens the client's window

    work = {}
    for address in (known.email, unknown):
        with counting_dynamodb_calls() as dynamodb, counting_sqs_calls() as queue:
            answer = browser.post("/api/password_reset/", {"email": address})
        work[address] = (answer.status_code, answer.json_body, dynamodb, queue)

    # Before: a GSI Query for both, then a PutItem and a SendMessage for the known one.
    assert work[known.email] == work[unknown]
    assert work[unknown][2] == {"UpdateItem": 1}  # the client's counter
    assert work[unknown][3] == {"SendMessage": 1}
    assert len(inbox(known.email)) == 1
    assert inbox(unknown) == []


def test_thirty_resets_for_one_address_send_at_most_its_share(stack: Settings) -> None:
    account = make_account()

    for n in range(30):  # from 30 networks: the per-address limit is what holds
        service.request_password_reset(account.email, f"198.51.100.{n}")

    assert len(inbox(account.email)) == stack.mail.per_address == 3  # before: 30


def test_thirty_sign_ups_for_one_address_send_at_most_its_share(stack: Settings) -> None:
    taken = make_account()
    fresh = new_email()

    for n in range(30):
        service.register(taken.email, DEFAULT_PASSWORD, DEFAULT_PASSWORD, f"198.51.100.{n}")
        service.register(fresh, DEFAULT_PASSWORD, DEFAULT_PASSWORD, f"203.0.113.{n}")

    assert len(inbox(taken.email)) == 3  # before: 30
    assert len(inbox(fresh)) == 3


def test_a_client_is_limited_to_its_share_of_sign_ups_and_resets(browser: Browser,
                                                                stack: Settings) -> None:
    share = stack.mail.per_client
    for n in range(share):
        path = "/api/password_reset/" if n % 2 else "/api/register/"
        answer = browser.post(path, {"email": new_email(), **SIGN_UP})
        assert answer.status_code in (200, 201), answer.json_body

    refused = browser.post("/api/password_reset/", {"email": new_email()})
    refused_sign_up = browser.post("/api/register/", {"email": new_email(), **SIGN_UP})

    assert refused.status_code == refused_sign_up.status_code == 429  # before: 200, 201
    assert refused.json_body["Code"] == "TooManyRequests"
    assert 0 < int(refused.headers["Retry-After"]) <= stack.mail.window_seconds


def test_a_completed_reset_voids_every_other_link_and_every_access_token(
    browser: Browser,
) -> None:
    account = make_account()
    old_access = bearer(login(browser, account)["access"])
    for _ in range(2):
        browser.post("/api/password_reset/", {"email": account.email})
    first, second = [path_of(link) for mail in inbox(account.email) for link in mail.links]

    done = browser.post(second, {"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    stale = browser.post(first, {"new_password": "yet another passphrase",
                                 "confirm_password": "yet another passphrase"})
    revoked = browser.get("/auth/protected_route/", headers=old_access)

    assert done.status_code == 200
    assert stale.status_code == 400  # before: 200, link #2 of 30 still reset the password
    assert (revoked.status_code, revoked.json_body["reason"]) == (401, "token_revoked")
    renewed = browser.post("/auth/login/", {"email": account.email, "password": NEW_PASSWORD})
    assert browser.get("/auth/protected_route/",
                       headers=bearer(renewed.json_body["access"])).status_code == 200


def test_the_account_mail_handler_calls_only_what_its_policy_grants(
    stack: Settings, deployed_policies: DeployedPolicies,
) -> None:
    active, inactive = make_account(), make_account(active=False)
    requests = [(MailPurpose.PASSWORD_RESET, active.email), (MailPurpose.SIGN_UP, active.email),
                (MailPurpose.SIGN_UP, inactive.email), (MailPurpose.PASSWORD_RESET, new_email())]
    context = SimpleNamespace(aws_request_id=uuid.uuid4().hex, function_name="on_notification")

    def handle_all() -> list[str]:
        return [send_account_mail({"request_id": uuid.uuid4().hex, "purpose": purpose.value,
                                   "email": email}) for purpose, email in requests]

    with recording_aws_calls(stack) as calls:
        outcomes = lambda_context_middleware(SimpleNamespace(context=context),
                                             lambda _: handle_all())

    assert outcomes == ["sent", "sent", "sent", "no account"]
    assert deployed_policies.denied(calls) == []


# ---------------------------------------------------------------- 5: refresh races
def test_two_tabs_refreshing_at_once_both_stay_signed_in(browser: Browser, api: Client) -> None:
    account = make_account()
    assert browser.post("/api/login/", {"email": account.email,
                                        "password": account.password}).status_code == 200
    other_tab = Browser(api, dict(browser.jar))

    first = browser.post("/api/token/refresh/")
    second = other_tab.post("/api/token/refresh/")

    assert (first.status_code, second.status_code) == (200, 200)  # before: 200, 401
    assert browser.cookie("refresh_token") == other_tab.cookie("refresh_token")
    assert browser.post("/api/token/refresh/").status_code == 200
    assert browser.get("/api/me/").status_code == 200


def test_parallel_refreshes_of_one_token_all_succeed_with_one_successor(stack: Settings) -> None:
    account = make_account()
    signed_in = service.login(account.email, account.password)

    with ThreadPoolExecutor(max_workers=4) as pool:
        refreshed = list(pool.map(lambda _: service.refresh(signed_in.refresh_token), range(4)))

    assert len({r.refresh.token_id for r in refreshed}) == 1


def test_a_repeat_after_the_grace_window_still_ends_the_family(stack: Settings) -> None:
    account = make_account()
    signed_in = service.login(account.email, account.password)
    _, successor, _ = refresh_tokens.rotate(stack, signed_in.refresh_token)
    late = time.time() + stack.refresh_grace_seconds + 1

    with pytest.raises(Unauthorized) as reused:
        refresh_tokens.rotate(stack, signed_in.refresh_token, clock=lambda: late)
    with pytest.raises(Unauthorized) as ended:
        refresh_tokens.rotate(stack, successor)

    assert reused.value.details["reason"] == "token_reused"
    assert ended.value.details["reason"] == "token_revoked"


def test_the_grace_covers_only_the_immediately_previous_token(stack: Settings) -> None:
    account = make_account()
    signed_in = service.login(account.email, account.password)
    _, second, _ = refresh_tokens.rotate(stack, signed_in.refresh_token)
    _, third, _ = refresh_tokens.rotate(stack, second)

    with pytest.raises(Unauthorized) as reused:  # within the window, but two steps back
        refresh_tokens.rotate(stack, signed_in.refresh_token)

    assert reused.value.details["reason"] == "token_reused"
    with pytest.raises(Unauthorized):
        refresh_tokens.rotate(stack, third)


# ---------------------------------------------------------------- 14: control characters
@pytest.mark.parametrize("address", ["nul\x00@example.com", "a@exam\x00ple.com",
                                     "next\x85line@example.com", "esc\x1b@example.com",
                                     "rtl\u202e@example.com"])
def test_addresses_with_control_characters_are_refused(browser: Browser, address: str) -> None:
    answer = browser.post("/api/register/", {"email": address, **SIGN_UP})

    assert answer.status_code == 400  # before: 201 for NUL
    assert answer.json_body["field"] == "email"
    assert "\x00" not in answer.json_body["Message"]


# ---------------------------------------------------------------- 21: review authors
def test_reviews_show_the_chosen_display_name_never_the_address(browser: Browser) -> None:
    account, movie = make_account(), make_movie("Reviewed")
    headers = token_headers(browser, account)
    local_part = account.email.partition("@")[0]
    path = f"/api/video/{movie.movie_id}/reviews/"

    posted = browser.post(path, {"rating": 4, "text": "Good."}, headers=headers)
    assert posted.json_body["author"] == DEFAULT_DISPLAY_NAME  # before: the local part
    assert browser.get("/api/me/", headers=headers).json_body["display_name"] == "Viewer"

    named = browser.request("PATCH", "/api/me/", {"display_name": "  Ada L. "},
                            headers=headers)
    assert named.status_code == 200
    assert named.json_body["display_name"] == "Ada L."
    listed = browser.get(path, headers=headers)
    assert [r["author"] for r in listed.json_body] == ["Ada L."]
    assert local_part not in str(listed.json_body) + str(posted.json_body)


def test_a_review_stored_with_the_local_part_shows_the_display_name(browser: Browser) -> None:
    account, movie = make_account(), make_movie("Old review")
    reviews.add_review(movie.movie_id, account.user_id, NewReview(rating=5))
    local_part = account.email.partition("@")[0]
    ReviewModel(movie.movie_id, account.user_id).update(  # as earlier versions wrote it
        actions=[ReviewModel.author.set(local_part)])

    listed = browser.get(f"/api/video/{movie.movie_id}/reviews/",
                         headers=token_headers(browser, make_account()))

    assert [r["author"] for r in listed.json_body] == [DEFAULT_DISPLAY_NAME]


@pytest.mark.parametrize("name", ["", "   ", "x" * 41, "a\x00b", "tab\tname", "a\u202eb", 42,
                                  None, ["Ada"]])
def test_bad_display_names_are_400(browser: Browser, name: object) -> None:
    headers = token_headers(browser, make_account())

    answer = browser.request("PATCH", "/api/me/", {"display_name": name}, headers=headers)

    assert answer.status_code == 400
    assert answer.json_body["field"] == "display_name"


def test_a_forty_character_display_name_is_kept(browser: Browser) -> None:
    headers = token_headers(browser, make_account())

    answer = browser.request("PATCH", "/api/me/", {"display_name": "é" * 40}, headers=headers)

    assert (answer.status_code, answer.json_body["display_name"]) == (200, "é" * 40)


# ---------------------------------------------------------------- 22: already registered
def test_signing_up_with_a_taken_address_mails_a_working_reset_link(browser: Browser) -> None:
    account = make_account()

    answer = browser.post("/api/register/", {"email": account.email, **SIGN_UP})

    assert answer.status_code == 201
    [mail] = inbox(account.email)
    assert mail.subject == "Your Reelstack account"
    link = last_link(account.email, "/password_confirm/")  # before: the mail had no link
    assert link in mail.text and link in mail.html
    done = browser.post(path_of(link), {"new_password": NEW_PASSWORD,
                                        "confirm_password": NEW_PASSWORD})
    assert done.status_code == 200


def test_signing_up_again_before_activating_mails_the_activation_again(
    browser: Browser,
) -> None:
    email = new_email()
    for _ in range(2):
        assert browser.post("/api/register/", {"email": email, **SIGN_UP}).status_code == 201

    links = [link for mail in inbox(email) for link in mail.links]

    assert len(links) == 2 and all("/activate/" in link for link in links)
    assert browser.get(path_of(links[-1])).status_code == 200
