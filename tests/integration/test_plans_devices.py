"""Plans (defaults, admin CRUD, assignment) and devices (limit, re-registration, erasure)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from chalicelib.auth.models import UserModel
from chalicelib.core.contract import to_json
from chalicelib.core.errors import NotFound
from chalicelib.core.settings import Settings
from chalicelib.playback import devices, plans
from chalicelib.playback.devices import MAX_DEVICES, DeviceLimitReached
from chalicelib.playback.models import PLANS_SCOPE, DeviceModel, PlanModel
from tests.support.api import Browser
from tests.support.aws_calls import counting_dynamodb_calls
from tests.support.catalog import token_headers
from tests.support.factories import DEFAULT_PASSWORD, TestAccount, make_account
from tests.support.playback import make_device, make_plan, put_on_plan

Headers = dict[str, str]
DEFAULTS = [
    {"id": "basic", "name": "Basic", "max_streams": 1, "max_resolution": 480,
     "price_cents": None},
    {"id": "standard", "name": "Standard", "max_streams": 2, "max_resolution": 1080,
     "price_cents": None},
    {"id": "premium", "name": "Premium", "max_streams": 4, "max_resolution": 1080,
     "price_cents": None},
]
FAMILY = {"plan_id": "family", "name": "Family", "max_streams": 5, "max_resolution": 2160,
          "price_cents": 1999}
TV = {"device_id": "tv-living-room", "name": "Living room", "device_type": "tv"}


@pytest.fixture
def member(browser: Browser) -> tuple[TestAccount, Headers]:
    account = make_account()
    return account, token_headers(browser, account)


@pytest.fixture
def viewer(member: tuple[TestAccount, Headers]) -> Headers:
    return member[1]


# ---------------------------------------------------------------- plans
def test_the_default_plans_exist_with_an_empty_table(browser: Browser, viewer: Headers) -> None:
    listed = browser.get("/api/plans/", headers=viewer)

    assert listed.status_code == 200
    assert listed.json_body == DEFAULTS
    assert plans.get_plan("premium").max_streams == 4
    with pytest.raises(NotFound):
        plans.get_plan("platinum")
    assert browser.get("/api/plans/").status_code == 401


def test_a_new_account_is_on_the_default_plan(browser: Browser) -> None:
    account = make_account()
    browser.post("/api/login/", {"email": account.email, "password": account.password})

    assert browser.get("/api/me/").json_body["plan"] == "basic"
    assert plans.plan_of_user(account.user_id) == plans.DEFAULT_PLANS["basic"]


def test_an_account_without_a_plan_or_on_a_deleted_one_gets_the_default() -> None:
    legacy, member = make_account(), make_account()
    UserModel(legacy.user_id).update(actions=[UserModel.plan_id.remove()])
    put_on_plan(member.user_id, make_plan("short-lived").plan_id)
    plans.delete_plan("short-lived")

    assert plans.plan_of_user(legacy.user_id).plan_id == "basic"
    assert plans.plan_of_user(member.user_id).plan_id == "basic"
    with pytest.raises(NotFound):
        plans.plan_of_user("no-such-user")


def test_an_admin_creates_edits_and_deletes_a_plan(
    browser: Browser, admin: Headers, viewer: Headers
) -> None:
    created = browser.post("/api/admin/plans/", FAMILY, headers=admin)
    assert created.status_code == 201
    family = {"id": "family", "name": "Family", "max_streams": 5, "max_resolution": 2160,
              "price_cents": 1999}
    assert created.json_body == family
    assert browser.post("/api/admin/plans/", FAMILY, headers=admin).status_code == 409
    assert browser.get("/api/admin/plans/", headers=admin).json_body == [*DEFAULTS, family]
    assert browser.get("/api/plans/", headers=viewer).json_body == [*DEFAULTS, family]

    edited = browser.request("PATCH", "/api/admin/plans/family/",
                             {"name": "Family HD", "max_streams": 3}, headers=admin)
    assert edited.status_code == 200
    assert edited.json_body == {**family, "name": "Family HD", "max_streams": 3}
    assert plans.get_plan("family").max_streams == 3

    assert browser.delete("/api/admin/plans/family/", headers=admin).status_code == 204
    assert browser.delete("/api/admin/plans/family/", headers=admin).status_code == 404
    assert browser.get("/api/plans/", headers=viewer).json_body == DEFAULTS
    missing = browser.request("PATCH", "/api/admin/plans/family/", {"max_streams": 2},
                              headers=admin)
    assert missing.status_code == 404
    assert list(PlanModel.query(PLANS_SCOPE)) == []  # the PATCH did not bring it back


def test_a_default_plan_is_edited_in_the_table_and_cannot_be_deleted(
    browser: Browser, admin: Headers
) -> None:
    first = browser.request("PATCH", "/api/admin/plans/standard/", {"max_streams": 3},
                            headers=admin)
    second = browser.request("PATCH", "/api/admin/plans/standard/",
                             {"name": "Standard HD", "price_cents": 999}, headers=admin)

    assert first.status_code == second.status_code == 200
    assert first.json_body == {**DEFAULTS[1], "max_streams": 3}
    assert second.json_body == {**DEFAULTS[1], "name": "Standard HD", "max_streams": 3,
                                "price_cents": 999}
    stored = PlanModel.get(PLANS_SCOPE, "standard")
    assert (stored.name, stored.max_streams, stored.max_resolution) == ("Standard HD", 3, 1080)
    assert stored.created_at
    listed = browser.get("/api/admin/plans/", headers=admin).json_body
    assert [plan["id"] for plan in listed] == ["basic", "standard", "premium"]
    assert listed[1] == second.json_body
    for default in ("basic", "standard"):
        refused = browser.delete(f"/api/admin/plans/{default}/", headers=admin)
        assert refused.status_code == 409
    assert browser.get("/api/plans/", headers=admin).json_body[1]["name"] == "Standard HD"


@pytest.mark.parametrize("body, field", [
    ({}, "plan_id"),
    ({**FAMILY, "plan_id": "Family Plan"}, "plan_id"),
    ({**FAMILY, "plan_id": "-family"}, "plan_id"),
    ({**FAMILY, "plan_id": 7}, "plan_id"),
    ({**FAMILY, "plan_id": "f" * 41}, "plan_id"),
    ({**FAMILY, "name": None}, "name"),
    ({**FAMILY, "name": ""}, "name"),
    ({**FAMILY, "name": "x" * 81}, "name"),
    ({**FAMILY, "max_streams": None}, "max_streams"),
    ({**FAMILY, "max_streams": 0}, "max_streams"),
    ({**FAMILY, "max_streams": 11}, "max_streams"),
    ({**FAMILY, "max_streams": "2"}, "max_streams"),
    ({**FAMILY, "max_resolution": None}, "max_resolution"),
    ({**FAMILY, "max_resolution": 1000}, "max_resolution"),
    ({**FAMILY, "max_resolution": "1080p"}, "max_resolution"),
    ({**FAMILY, "max_resolution": True}, "max_resolution"),
    ({**FAMILY, "price_cents": -1}, "price_cents"),
    ({**FAMILY, "price_cents": 9.99}, "price_cents"),
])
def test_bad_plans_are_400_naming_the_field(
    browser: Browser, admin: Headers, body: dict[str, object], field: str
) -> None:
    response = browser.post("/api/admin/plans/", body, headers=admin)

    assert response.status_code == 400
    assert response.json_body["field"] == field
    assert list(PlanModel.query(PLANS_SCOPE)) == []


@pytest.mark.parametrize("body, field", [
    ({"max_streams": 11}, "max_streams"),
    ({"max_resolution": 4320}, "max_resolution"),
    ({"name": 5}, "name"),
    ({"price_cents": "free"}, "price_cents"),
])
def test_bad_plan_edits_are_400_naming_the_field(
    browser: Browser, admin: Headers, body: dict[str, object], field: str
) -> None:
    response = browser.request("PATCH", "/api/admin/plans/basic/", body, headers=admin)

    assert response.status_code == 400
    assert response.json_body["field"] == field
    assert plans.get_plan("basic") == plans.DEFAULT_PLANS["basic"]


def test_only_admins_manage_plans(browser: Browser, viewer: Headers) -> None:
    make_plan("family")
    calls = [("POST", "/api/admin/plans/", FAMILY), ("GET", "/api/admin/plans/", None),
             ("PATCH", "/api/admin/plans/family/", {"max_streams": 2}),
             ("DELETE", "/api/admin/plans/family/", None),
             ("PUT", "/api/admin/users/someone/plan/", {"plan_id": "basic"})]

    for method, path, body in calls:
        assert browser.request(method, path, body, headers=viewer).status_code == 403, path
        assert browser.request(method, path, body).status_code == 401, path
    assert plans.get_plan("family").max_streams == 1


def test_an_admin_assigns_a_plan_to_an_account(
    browser: Browser, admin: Headers, member: tuple[TestAccount, Headers]
) -> None:
    account, _ = member
    make_plan("family", max_streams=5)

    assigned = browser.request("PUT", f"/api/admin/users/{account.user_id}/plan/",
                               {"plan_id": "family"}, headers=admin)

    assert assigned.status_code == 200
    assert assigned.json_body == {"id": account.user_id, "email": account.email,
                                  "role": "user", "plan": "family"}
    assert plans.plan_of_user(account.user_id).max_streams == 5
    shown = browser.get(f"/api/admin/users/{account.user_id}/", headers=admin).json_body
    assert shown["plan"] == "family"
    to_default = browser.request("PUT", f"/api/admin/users/{account.user_id}/plan/",
                                 {"plan_id": "premium"}, headers=admin)
    assert to_default.json_body["plan"] == "premium"


@pytest.mark.parametrize("body", [{}, {"plan_id": "platinum"}, {"plan_id": 3},
                                  {"plan_id": ""}])
def test_assigning_an_unknown_plan_is_400_naming_plan_id(
    browser: Browser, admin: Headers, member: tuple[TestAccount, Headers],
    body: dict[str, object],
) -> None:
    account, _ = member

    refused = browser.request("PUT", f"/api/admin/users/{account.user_id}/plan/", body,
                              headers=admin)

    assert refused.status_code == 400
    assert refused.json_body["field"] == "plan_id"
    assert plans.plan_of_user(account.user_id).plan_id == "basic"


def test_assigning_a_plan_to_an_unknown_account_is_404(
    browser: Browser, admin: Headers
) -> None:
    response = browser.request("PUT", "/api/admin/users/no-such-user/plan/",
                               {"plan_id": "premium"}, headers=admin)

    assert response.status_code == 404
    assert UserModel.count("no-such-user") == 0  # nothing half-written


def test_listing_plans_and_devices_is_one_query_each(stack: Settings) -> None:
    # Not through `browser`: its `api` fixture already counts calls, and the counters
    # do not nest.
    account = make_account()
    make_plan()
    make_device(account.user_id)

    with counting_dynamodb_calls() as calls:
        assert len(plans.list_plans()) == 4
        assert len(devices.list_devices(account.user_id)) == 1

    assert dict(calls) == {"Query": 2}


# ---------------------------------------------------------------- devices
def test_a_device_is_registered_listed_and_removed(
    browser: Browser, member: tuple[TestAccount, Headers]
) -> None:
    account, headers = member

    created = browser.post("/api/device/", TV, headers=headers)

    assert created.status_code == 201
    body = created.json_body
    assert {k: body[k] for k in ("id", "name", "device_type")} == {
        "id": "tv-living-room", "name": "Living room", "device_type": "tv"}
    assert body["created_at"] == body["updated_at"]
    assert browser.get("/api/device/", headers=headers).json_body == [body]
    assert to_json(devices.get_device(account.user_id, "tv-living-room").public()) == body

    assert browser.delete("/api/device/tv-living-room/", headers=headers).status_code == 204
    assert browser.delete("/api/device/tv-living-room/", headers=headers).status_code == 404
    assert browser.get("/api/device/", headers=headers).json_body == []
    with pytest.raises(NotFound):
        devices.get_device(account.user_id, "tv-living-room")


def test_registering_a_known_device_again_updates_it(
    browser: Browser, viewer: Headers
) -> None:
    first = browser.post("/api/device/", TV, headers=viewer).json_body

    again = browser.post("/api/device/", TV, headers=viewer)
    renamed = browser.post("/api/device/", {**TV, "name": "Bedroom", "device_type": "console"},
                           headers=viewer)

    assert again.status_code == renamed.status_code == 200
    assert renamed.json_body["name"] == "Bedroom"
    assert renamed.json_body["device_type"] == "console"
    assert renamed.json_body["created_at"] == first["created_at"]
    assert renamed.json_body["updated_at"] >= first["updated_at"]
    assert browser.get("/api/device/", headers=viewer).json_body == [renamed.json_body]


def test_the_eleventh_device_is_refused(
    browser: Browser, member: tuple[TestAccount, Headers]
) -> None:
    account, headers = member
    for number in range(MAX_DEVICES):
        make_device(account.user_id, f"phone-{number}", device_type="phone")

    refused = browser.post("/api/device/", TV, headers=headers)

    assert refused.status_code == 409
    assert refused.json_body["Code"] == "DeviceLimitReached"
    assert DeviceModel.count(account.user_id) == MAX_DEVICES
    updated = browser.post("/api/device/", {"device_id": "phone-3", "name": "Old phone",
                                            "device_type": "phone"}, headers=headers)
    assert updated.status_code == 200
    assert browser.delete("/api/device/phone-0/", headers=headers).status_code == 204
    assert browser.post("/api/device/", TV, headers=headers).status_code == 201


def test_racing_registrations_never_leave_more_than_the_limit() -> None:
    account = make_account()
    for number in range(MAX_DEVICES - 1):
        make_device(account.user_id, f"phone-{number}")

    def register(number: int) -> bool:
        try:
            make_device(account.user_id, f"tablet-{number}", device_type="tablet")
        except DeviceLimitReached:
            return False
        return True

    with ThreadPoolExecutor(max_workers=4) as pool:
        accepted = sum(pool.map(register, range(4)))

    assert accepted <= 1
    assert DeviceModel.count(account.user_id, consistent_read=True) == MAX_DEVICES - 1 + accepted


@pytest.mark.parametrize("body, field", [
    ({}, "device_id"),
    ({**TV, "device_id": ""}, "device_id"),
    ({**TV, "device_id": "living room"}, "device_id"),
    ({**TV, "device_id": "d/1"}, "device_id"),
    ({**TV, "device_id": "d" * 129}, "device_id"),
    ({**TV, "device_id": 42}, "device_id"),
    ({**TV, "name": None}, "name"),
    ({**TV, "name": "  "}, "name"),
    ({**TV, "name": "n" * 81}, "name"),
    ({**TV, "device_type": None}, "device_type"),
    ({**TV, "device_type": "fridge"}, "device_type"),
    ({**TV, "device_type": ["tv"]}, "device_type"),
])
def test_bad_devices_are_400_naming_the_field(
    browser: Browser, member: tuple[TestAccount, Headers], body: dict[str, object], field: str
) -> None:
    account, headers = member

    response = browser.post("/api/device/", body, headers=headers)

    assert response.status_code == 400
    assert response.json_body["field"] == field
    assert DeviceModel.count(account.user_id) == 0


def test_a_device_id_may_use_every_allowed_character(browser: Browser, viewer: Headers) -> None:
    device_id = "Ab-0." + "_:" + "z" * 121

    created = browser.post("/api/device/", {**TV, "device_id": device_id}, headers=viewer)

    assert created.status_code == 201
    assert created.json_body["id"] == device_id


def test_devices_belong_to_their_user(browser: Browser, viewer: Headers) -> None:
    headers = viewer
    other = make_account()
    make_device(other.user_id, "tv-living-room", name="Theirs")

    assert browser.post("/api/device/", TV, headers=headers).status_code == 201
    assert browser.delete("/api/device/tv-living-room/", headers=headers).status_code == 204
    assert devices.get_device(other.user_id, "tv-living-room").name == "Theirs"
    assert browser.get("/api/device/", headers=headers).json_body == []
    for method, path in [("POST", "/api/device/"), ("GET", "/api/device/"),
                         ("DELETE", "/api/device/tv-living-room/")]:
        assert browser.request(method, path, TV).status_code == 401


def test_deleting_an_account_erases_its_devices(browser: Browser) -> None:
    account, other = make_account(), make_account()
    make_device(other.user_id)
    browser.post("/api/login/", {"email": account.email, "password": account.password})
    for device_type in ("tv", "phone", "browser"):
        browser.post("/api/device/", {"device_id": device_type, "name": device_type,
                                      "device_type": device_type})

    assert browser.delete("/api/me/", {"password": DEFAULT_PASSWORD}).status_code == 204

    assert list(DeviceModel.query(account.user_id)) == []
    assert DeviceModel.count(other.user_id) == 1
