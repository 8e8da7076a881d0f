"""Subscription plans: how many streams at once and how sharp a member may watch.

Three plans always exist (basic, standard, premium) even while the table is empty; an
admin may edit one (the edit is written to the table and wins) but never delete it, so
every account's plan and the configured default plan keep resolving.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pynamodb.attributes import Attribute
from pynamodb.exceptions import DeleteError, DoesNotExist, PutError, UpdateError
from pynamodb.expressions.update import Action

from chalicelib.auth import service as accounts
from chalicelib.core.dynamo import is_condition_failure
from chalicelib.core.errors import Conflict, InvalidInput, NotFound
from chalicelib.core.settings import get_settings
from chalicelib.playback.inputs import NewPlan, PlanEdit
from chalicelib.playback.models import PLANS_SCOPE, PlanModel
from chalicelib.playback.shapes import PlanShape

logger = logging.getLogger(__name__)

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

    def public(self) -> PlanShape:
        return PlanShape(id=self.plan_id, name=self.name, max_streams=self.max_streams,
                         max_resolution=self.max_resolution, price_cents=self.price_cents)


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


def assignable_plan(plan_id: str) -> Plan:
    """The plan an admin names for an account; an unknown one is a 400 naming plan_id."""
    try:
        return get_plan(plan_id)
    except NotFound:
        raise InvalidInput(f"There is no plan {plan_id!r}.", field="plan_id") from None


def create_plan(new: NewPlan) -> Plan:
    plan = PlanModel(PLANS_SCOPE, new.plan_id, name=new.name, max_streams=new.max_streams,
                     max_resolution=new.max_resolution, price_cents=new.price_cents,
                     created_at=datetime.now(UTC).isoformat())
    try:
        plan.save(condition=PlanModel.plan_id.does_not_exist())
    except PutError as error:
        if is_condition_failure(error):
            raise Conflict(f"The plan {new.plan_id!r} already exists.") from None
        raise
    return Plan.of(plan)


def update_plan(plan_id: str, edit: PlanEdit) -> Plan:
    """Apply the fields given. A default plan is written whole the first time it is edited:
    the fields not given keep their stored value, or the default's when none is stored."""
    given = {"name": edit.name, "max_streams": edit.max_streams,
             "max_resolution": edit.max_resolution, "price_cents": edit.price_cents}
    changes = {field: value for field, value in given.items() if value is not None}
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
