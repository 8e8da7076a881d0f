"""Playback factories: plans, accounts on a plan, and registered devices."""

from __future__ import annotations

import itertools
import time

from chalicelib.auth import service
from chalicelib.auth.accounts import Account
from chalicelib.core.contract import decode
from chalicelib.playback import devices, plans
from chalicelib.playback.devices import Device
from chalicelib.playback.inputs import NewDevice, NewPlan
from chalicelib.playback.models import StreamSlotModel
from chalicelib.playback.plans import Plan

_numbers = itertools.count(1)


def make_plan(plan_id: str | None = None, *, name: str | None = None, max_streams: int = 1,
              max_resolution: int = 1080, price_cents: int | None = None) -> Plan:
    number = next(_numbers)
    body: dict[str, object] = {"plan_id": plan_id or f"plan-{number}",
                               "name": name or f"Plan {number}", "max_streams": max_streams,
                               "max_resolution": max_resolution, "price_cents": price_cents}
    return plans.create_plan(decode(NewPlan, body))


def put_on_plan(user_id: str, plan_id: str) -> Account:
    return service.set_plan(user_id, plans.get_plan(plan_id).plan_id)


def make_device(user_id: str, device_id: str | None = None, *, name: str | None = None,
                device_type: str = "tv") -> Device:
    number = next(_numbers)
    body = {"device_id": device_id or f"device-{number}", "name": name or f"Device {number}",
            "device_type": device_type}
    return devices.register_device(user_id, decode(NewDevice, body)).device


def lapse_leases(user_id: str) -> None:
    """Every stream slot of the user as a client that stopped fetching leaves it."""
    for slot in StreamSlotModel.query(user_id):
        slot.update(actions=[StreamSlotModel.lease_expires_at.set(time.time() - 1)])
