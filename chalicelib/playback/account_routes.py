"""What a member's account holds for playback over HTTP: plans and devices."""

from __future__ import annotations

from chalice.app import Response

from chalicelib.auth import service as accounts
from chalicelib.auth.access import Access
from chalicelib.auth.principal import Principal
from chalicelib.core.contract import to_json
from chalicelib.core.http import ApiBlueprint
from chalicelib.playback import devices, plans
from chalicelib.playback.inputs import NewDevice, NewPlan, PlanAssignment, PlanEdit
from chalicelib.playback.shapes import AccountPlan, DeviceShape, PlanShape

playback_account_routes = ApiBlueprint(__name__)


# ---------------------------------------------------------------- plans
@playback_account_routes.route("/api/plans", methods=["GET"], auth=Access.USER,
                               response=list[PlanShape])
def list_plans(caller: Principal) -> list[PlanShape]:
    """Every plan, smallest first."""
    return [plan.public() for plan in plans.list_plans()]


@playback_account_routes.route("/api/admin/plans", methods=["POST"], auth=Access.ADMIN,
                               body=NewPlan, response=PlanShape, status=201)
def create_plan(caller: Principal, body: NewPlan) -> PlanShape:
    """A new plan (409 if its id is taken)."""
    return plans.create_plan(body).public()


@playback_account_routes.route("/api/admin/plans", methods=["GET"], auth=Access.ADMIN,
                               response=list[PlanShape])
def admin_list_plans(caller: Principal) -> list[PlanShape]:
    """Every plan, smallest first."""
    return [plan.public() for plan in plans.list_plans()]


@playback_account_routes.route("/api/admin/plans/{plan_id}", methods=["PATCH"],
                               auth=Access.ADMIN, body=PlanEdit, response=PlanShape)
def update_plan(plan_id: str, caller: Principal, body: PlanEdit) -> PlanShape:
    """Change a plan's name, streams, resolution or price."""
    return plans.update_plan(plan_id, body).public()


@playback_account_routes.route("/api/admin/plans/{plan_id}", methods=["DELETE"],
                               auth=Access.ADMIN, status=204)
def delete_plan(plan_id: str, caller: Principal) -> None:
    """Delete a plan (never a default one); its accounts get the default plan."""
    plans.delete_plan(plan_id)


@playback_account_routes.route("/api/admin/users/{user_id}/plan", methods=["PUT"],
                               auth=Access.ADMIN, body=PlanAssignment, response=AccountPlan)
def assign_plan(user_id: str, caller: Principal, body: PlanAssignment) -> AccountPlan:
    """Put an account on a plan."""
    plan = plans.assignable_plan(body.plan_id)
    account = accounts.set_plan(user_id, plan.plan_id)
    return AccountPlan(id=account.user_id, email=account.email, role=account.role,
                       plan=account.plan_id)


# ---------------------------------------------------------------- devices
@playback_account_routes.route("/api/device", methods=["POST"], auth=Access.USER,
                               body=NewDevice, response=DeviceShape, status=201)
def register_device(caller: Principal, body: NewDevice) -> Response:
    """Register a device (201), or rename and retype one the account has (200)."""
    registration = devices.register_device(caller.user_id, body)
    return Response(body=to_json(registration.device.public()),
                    status_code=201 if registration.is_new else 200)


@playback_account_routes.route("/api/device", methods=["GET"], auth=Access.USER,
                               response=list[DeviceShape])
def list_devices(caller: Principal) -> list[DeviceShape]:
    """The account's devices, oldest first."""
    return [device.public() for device in devices.list_devices(caller.user_id)]


@playback_account_routes.route("/api/device/{device_id}", methods=["DELETE"],
                               auth=Access.USER, status=204)
def remove_device(device_id: str, caller: Principal) -> None:
    """Forget a device."""
    devices.remove_device(caller.user_id, device_id)
