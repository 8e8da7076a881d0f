"""What a member's account holds for playback over HTTP: plans and devices."""

from __future__ import annotations

from typing import Any

from chalice.app import Response

from chalicelib.auth import service as accounts
from chalicelib.auth.principal import authenticate, authenticate_admin
from chalicelib.core.http import ApiBlueprint, json_body
from chalicelib.playback import devices, plans

playback_account_routes = ApiBlueprint(__name__)


def _admin_body() -> dict[str, Any]:
    authenticate_admin(playback_account_routes.current_request)
    return json_body(playback_account_routes.current_request)


def _no_content() -> Response:
    return Response(body="", status_code=204)


# ---------------------------------------------------------------- plans
@playback_account_routes.route("/api/plans", methods=["GET"])
def list_plans() -> list[dict[str, Any]]:
    authenticate(playback_account_routes.current_request)
    return [plan.public() for plan in plans.list_plans()]


@playback_account_routes.route("/api/admin/plans", methods=["POST"])
def create_plan() -> Response:
    return Response(body=plans.create_plan(_admin_body()).public(), status_code=201)


@playback_account_routes.route("/api/admin/plans", methods=["GET"])
def admin_list_plans() -> list[dict[str, Any]]:
    authenticate_admin(playback_account_routes.current_request)
    return [plan.public() for plan in plans.list_plans()]


@playback_account_routes.route("/api/admin/plans/{plan_id}", methods=["PATCH"])
def update_plan(plan_id: str) -> dict[str, Any]:
    return plans.update_plan(plan_id, _admin_body()).public()


@playback_account_routes.route("/api/admin/plans/{plan_id}", methods=["DELETE"])
def delete_plan(plan_id: str) -> Response:
    authenticate_admin(playback_account_routes.current_request)
    plans.delete_plan(plan_id)
    return _no_content()


@playback_account_routes.route("/api/admin/users/{user_id}/plan", methods=["PUT"])
def assign_plan(user_id: str) -> dict[str, Any]:
    plan = plans.assignable_plan(_admin_body().get("plan_id"))
    account = accounts.set_plan(user_id, plan.plan_id)
    return {**account.public(), "plan": account.plan_id}


# ---------------------------------------------------------------- devices
@playback_account_routes.route("/api/device", methods=["POST"])
def register_device() -> Response:
    request = playback_account_routes.current_request
    user_id = authenticate(request).user_id
    registration = devices.register_device(user_id, json_body(request))
    return Response(body=registration.device.public(),
                    status_code=201 if registration.is_new else 200)


@playback_account_routes.route("/api/device", methods=["GET"])
def list_devices() -> list[dict[str, Any]]:
    user_id = authenticate(playback_account_routes.current_request).user_id
    return [device.public() for device in devices.list_devices(user_id)]


@playback_account_routes.route("/api/device/{device_id}", methods=["DELETE"])
def remove_device(device_id: str) -> Response:
    user_id = authenticate(playback_account_routes.current_request).user_id
    devices.remove_device(user_id, device_id)
    return _no_content()
