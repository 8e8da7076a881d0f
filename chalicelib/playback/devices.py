"""A member's registered devices: the TVs, phones and browsers they watch on."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pynamodb.exceptions import DeleteError, DoesNotExist, PutError

from chalicelib.core import validation
from chalicelib.core.dynamo import is_condition_failure
from chalicelib.core.errors import Conflict, InvalidInput, NotFound
from chalicelib.core.personal_data import on_account_deleted
from chalicelib.playback.models import DeviceModel

MAX_DEVICES = 10
DEVICE_TYPES = ("tv", "phone", "tablet", "desktop", "browser", "console", "other")
DEVICE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class DeviceLimitReached(Conflict):
    code = "DeviceLimitReached"


@dataclass(frozen=True)
class Device:
    user_id: str
    device_id: str
    name: str
    device_type: str
    created_at: str
    updated_at: str

    @classmethod
    def of(cls, model: DeviceModel) -> Device:
        return cls(model.user_id, model.device_id, model.name, model.device_type,
                   model.created_at, model.updated_at)

    def public(self) -> dict[str, Any]:
        return {"id": self.device_id, "name": self.name, "device_type": self.device_type,
                "created_at": self.created_at, "updated_at": self.updated_at}


@dataclass(frozen=True)
class Registration:
    device: Device
    is_new: bool


def register_device(user_id: str, body: dict[str, Any]) -> Registration:
    """Add the device, or rename/retype it when the user has it already (an app may
    register on every launch)."""
    now = datetime.now(UTC).isoformat()
    device = DeviceModel(user_id, _device_id(body),
                         name=validation.text(body, "name", required=True, max_length=80),
                         device_type=_device_type(body), created_at=now, updated_at=now)
    try:
        device.save(condition=DeviceModel.device_id.does_not_exist())
    except PutError as error:
        if not is_condition_failure(error):
            raise
        return Registration(_update(device), is_new=False)
    _enforce_limit(device)
    return Registration(Device.of(device), is_new=True)


def _device_id(body: dict[str, Any]) -> str:
    device_id = body.get("device_id")
    if device_id is None:
        raise InvalidInput("device_id is required.", field="device_id")
    if not isinstance(device_id, str) or not DEVICE_ID.match(device_id):
        raise InvalidInput("device_id must be 1 to 128 letters, digits, '.', '_', ':' or '-'.",
                           field="device_id")
    return device_id


def _device_type(body: dict[str, Any]) -> str:
    if body.get("device_type") is None:
        raise InvalidInput("device_type is required.", field="device_type")
    return str(validation.choice(body, "device_type", DEVICE_TYPES))


def _update(device: DeviceModel) -> Device:
    # if_not_exists: should the device be removed meanwhile, it comes back whole.
    device.update(actions=[
        DeviceModel.name.set(device.name),
        DeviceModel.device_type.set(device.device_type),
        DeviceModel.updated_at.set(device.updated_at),
        DeviceModel.created_at.set(DeviceModel.created_at | device.created_at),
    ])
    return Device.of(device)


def _enforce_limit(added: DeviceModel) -> None:
    """Count after writing, so two registrations racing past the limit both see it: the
    device just added is taken back rather than a user ever keeping more than allowed."""
    if DeviceModel.count(added.user_id, consistent_read=True) > MAX_DEVICES:
        added.delete()
        raise DeviceLimitReached(f"An account may register at most {MAX_DEVICES} devices: "
                                 "remove one first.", limit=MAX_DEVICES)


def list_devices(user_id: str) -> list[Device]:
    devices = [Device.of(model) for model in DeviceModel.query(user_id)]
    return sorted(devices, key=lambda d: (d.created_at, d.device_id))


def get_device(user_id: str, device_id: str) -> Device:
    try:
        return Device.of(DeviceModel.get(user_id, device_id))
    except DoesNotExist:
        raise NotFound(f"No device {device_id!r}.") from None


def remove_device(user_id: str, device_id: str) -> None:
    try:
        DeviceModel(user_id, device_id).delete(condition=DeviceModel.device_id.exists())
    except DeleteError as error:
        if is_condition_failure(error):
            raise NotFound(f"No device {device_id!r}.") from None
        raise


@on_account_deleted
def erase_devices_of(user_id: str) -> None:
    with DeviceModel.batch_write() as batch:
        for device in DeviceModel.query(user_id):
            batch.delete(device)
