"""Subscription plans: how many streams at once and how sharp a member may watch.

Three plans always exist (basic, standard, premium) even while the table is empty; an
admin may edit one (the edit is written to the table and wins) but never delete it, so
every account's plan and the configured default plan keep resolving.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pynamodb.attributes import Attribute
from pynamodb.exceptions import DeleteError, DoesNotExist, PutError, UpdateError
from pynamodb.expressions.update import Action

from chalicelib.auth import service as accounts
from chalicelib.core import validation
from chalicelib.core.dynamo import is_condition_failure
from chalicelib.core.errors import Conflict, InvalidInput, NotFound
from chalicelib.core.settings import get_settings
from chalicelib.playback.models import PLANS_SCOPE, PlanModel

logger = logging.getLogger(__name__)

PLAN_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
RESOLUTIONS = (240, 360, 480, 720, 1080, 1440, 2160)
MAX_STREAMS = 10
STORED_FIELDS: dict[str, Attribute[Any]] = {
    "name": PlanModel.name, "max_streams": PlanModel.max_streams,
    "max_resolution": PlanModel.max_resolution, "price_cents": PlanModel.price_cents,
    "created_at": PlanModel.created_at,
}


@dataclass(frozen=True)
class Plan:
    plan_id: str
    name: str
    max_streams: int
    max_resolution: int  # the tallest rendition a member receives, e.g. 1080
    price_cents: int | None

    @classmethod
    def of(cls, model: PlanModel) -> Plan:
        price = int(model.price_cents) if model.price_cents is not None else None
        return cls(model.plan_id, model.name, int(model.max_streams),
                   int(model.max_resolution), price)

    def public(self) -> dict[str, Any]:
        return {"id": self.plan_id, "name": self.name, "max_streams": self.max_streams,
                "max_resolution": self.max_resolution, "price_cents": self.price_cents}


DEFAULT_PLANS = {plan.plan_id: plan for plan in [
    Plan("basic", "Basic", max_streams=1, max_resolution=480, price_cents=None),
    Plan("standard", "Standard", max_streams=2, max_resolution=1080, price_cents=None),
    Plan("premium", "Premium", max_streams=4, max_resolution=1080, price_cents=None),
]}


def get_plan(plan_id: str) -> Plan:
    try:
        return Plan.of(PlanModel.get(PLANS_SCOPE, plan_id))
    except DoesNotExist:
        if plan_id in DEFAULT_PLANS:
            return DEFAULT_PLANS[plan_id]
        raise NotFound(f"No plan {plan_id!r}.") from None


def list_plans() -> list[Plan]:
    """Every plan, smallest first; a stored plan wins over the default of the same id."""
    stored = {model.plan_id: Plan.of(model) for model in PlanModel.query(PLANS_SCOPE)}
    plans = {**DEFAULT_PLANS, **stored}.values()
    return sorted(plans, key=lambda p: (p.max_streams, p.max_resolution, p.plan_id))


def plan_of_user(user_id: str) -> Plan:
    """The account's plan; the default plan when it has none, or one since deleted."""
    default_plan = get_settings().default_plan
    plan_id = accounts.account(user_id).plan_id or default_plan
    try:
        return get_plan(plan_id)
    except NotFound:
        logger.warning("account on a deleted plan", extra={"plan_id": plan_id})
        return get_plan(default_plan)


def assignable_plan(plan_id: object) -> Plan:
    """The plan an admin names for an account; an unknown one is a 400 naming plan_id."""
    if not isinstance(plan_id, str) or not plan_id:
        raise InvalidInput("plan_id is required.", field="plan_id")
    try:
        return get_plan(plan_id)
    except NotFound:
        raise InvalidInput(f"There is no plan {plan_id!r}.", field="plan_id") from None


def create_plan(body: dict[str, Any]) -> Plan:
    plan_id = _new_plan_id(body)
    name = validation.text(body, "name", required=True, max_length=80)
    limits = _limits(body)
    for field in ("max_streams", "max_resolution"):
        if field not in limits:
            raise InvalidInput(f"{field} is required.", field=field)
    plan = PlanModel(PLANS_SCOPE, plan_id, name=name, max_streams=limits["max_streams"],
                     max_resolution=limits["max_resolution"],
                     price_cents=limits.get("price_cents"),
                     created_at=datetime.now(UTC).isoformat())
    try:
        plan.save(condition=PlanModel.plan_id.does_not_exist())
    except PutError as error:
        if is_condition_failure(error):
            raise Conflict(f"The plan {plan_id!r} already exists.") from None
        raise
    return Plan.of(plan)


def _new_plan_id(body: dict[str, Any]) -> str:
    plan_id = body.get("plan_id")
    if plan_id is None:
        raise InvalidInput("plan_id is required.", field="plan_id")
    if not isinstance(plan_id, str) or not PLAN_ID.match(plan_id):
        raise InvalidInput("plan_id must be 1 to 40 lower-case letters, digits, '-' or '_', "
                           "starting with a letter or digit.", field="plan_id")
    return plan_id


def _limits(body: dict[str, Any]) -> dict[str, int]:
    """The numeric fields the body sets, checked."""
    limits = {
        "max_streams": validation.integer(body, "max_streams", minimum=1, maximum=MAX_STREAMS),
        "max_resolution": _resolution(body),
        "price_cents": validation.integer(body, "price_cents", minimum=0, maximum=10**9),
    }
    return {field: value for field, value in limits.items() if value is not None}


def _resolution(body: dict[str, Any]) -> int | None:
    value = body.get("max_resolution")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value not in RESOLUTIONS:
        raise InvalidInput(f"max_resolution must be one of {', '.join(map(str, RESOLUTIONS))}.",
                           field="max_resolution")
    return value


def update_plan(plan_id: str, body: dict[str, Any]) -> Plan:
    """Apply the fields given. A default plan is written whole the first time it is edited:
    the fields not given keep their stored value, or the default's when none is stored."""
    changes: dict[str, Any] = _limits(body)
    name = validation.text(body, "name", max_length=80)
    if name is not None:
        changes["name"] = name
    if not changes:
        return get_plan(plan_id)
    actions: list[Action] = [STORED_FIELDS[field].set(value) for field, value in changes.items()]
    default = DEFAULT_PLANS.get(plan_id)
    if default is not None:
        actions += _unless_stored(default, set(changes))
    plan = PlanModel(PLANS_SCOPE, plan_id)
    try:
        plan.update(actions=actions,
                    condition=None if default else PlanModel.plan_id.exists())
    except UpdateError as error:
        if is_condition_failure(error):
            raise NotFound(f"No plan {plan_id!r}.") from None
        raise
    return Plan.of(plan)


def _unless_stored(default: Plan, changed: set[str]) -> list[Action]:
    """Set each field not being changed to its default value unless one is stored."""
    values: dict[str, Any] = {"name": default.name, "max_streams": default.max_streams,
                              "max_resolution": default.max_resolution,
                              "price_cents": default.price_cents,
                              "created_at": datetime.now(UTC).isoformat()}
    return [STORED_FIELDS[field].set(STORED_FIELDS[field] | value)
            for field, value in values.items() if field not in changed and value is not None]


def delete_plan(plan_id: str) -> None:
    if plan_id in DEFAULT_PLANS or plan_id == get_settings().default_plan:
        raise Conflict(f"The plan {plan_id!r} is a default plan: it cannot be deleted.")
    try:
        PlanModel(PLANS_SCOPE, plan_id).delete(condition=PlanModel.plan_id.exists())
    except DeleteError as error:
        if is_condition_failure(error):
            raise NotFound(f"No plan {plan_id!r}.") from None
        raise
