"""A member's registered devices: the TVs, phones and browsers they watch on."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from pynamodb.constants import ALL_OLD
from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError, UpdateError

from chalicelib.core.dynamo import (
    NamedTransaction,
    back_off,
    is_condition_failure,
)
from chalicelib.core.errors import Conflict, NotFound
from chalicelib.core.personal_data import on_account_deleted
from chalicelib.playback.inputs import DEVICE_ID_PATTERN, NewDevice
from chalicelib.playback.models import DEVICE_COUNT_PREFIX, DeviceCountModel, DeviceModel
from chalicelib.playback.shapes import DeviceShape

MAX_DEVICES = 10
RETRIES = 8
CONFLICT_BACK_OFF_SECONDS = 0.02  # registrations of one account share its device count
_DEVICE, _COUNT = "device", "count"  # the items of a registration's or removal's transaction
DEVICE_ID = re.compile(DEVICE_ID_PATTERN)


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

    def public(self) -> DeviceShape:
        return DeviceShape(id=self.device_id, name=self.name, device_type=self.device_type,
                           created_at=self.created_at, updated_at=self.updated_at)


@dataclass(frozen=True)
class Registration:
    device: Device
    is_new: bool


def register_device(user_id: str, new: NewDevice) -> Registration:
    """Add the device, or rename/retype it when the user has it already (an app may
    register on every launch). The device and the user's device count are written in one
    transaction on the condition that the count stays within the limit, so a burst of
    registrations keeps exactly as many as the limit allows, never more."""
    now = datetime.now(UTC).isoformat()
    device = DeviceModel(user_id, new.device_id, name=new.name, device_type=new.device_type,
                         created_at=now, updated_at=now)
    for attempt in range(RETRIES):
        try:
            with NamedTransaction() as transaction:
                transaction.save(_DEVICE, device,
                                 condition=DeviceModel.device_id.does_not_exist())
                transaction.update(_COUNT, _count_of(user_id),
                                   actions=[DeviceCountModel.registered.add(1)],
                                   condition=DeviceCountModel.registered < MAX_DEVICES,
                                   return_values=ALL_OLD)
        except TransactWriteError as error:
            refusal = _Refusal.of(transaction, error)
            if refusal.device_refused:  # known already
                updated = _update(device)
                if updated is None:
                    continue  # removed meanwhile: add it again, counted
                return Registration(updated, is_new=False)
            if refusal.count_refused and refusal.count is None:
                _start_counting(user_id)  # an account from before counts were kept
                continue
            if refusal.count_refused:
                raise DeviceLimitReached(f"An account may register at most {MAX_DEVICES} "
                                         "devices: remove one first.",
                                         limit=MAX_DEVICES) from None
            back_off(attempt, CONFLICT_BACK_OFF_SECONDS)  # another registration was written
            continue
        return Registration(Device.of(device), is_new=True)
    raise Conflict("Many devices are being registered on this account at once; try again.")


def _count_of(user_id: str) -> DeviceCountModel:
    return DeviceCountModel(f"{DEVICE_COUNT_PREFIX}{user_id}")


@dataclass(frozen=True)
class _Refusal:
    """Why a (device, count) transaction was cancelled."""

    device_refused: bool  # the device's condition failed
    count_refused: bool  # the count's condition failed (else: a conflict with another write)
    count: DeviceCountModel | None  # the count as it was then; None when there was none

    @classmethod
    def of(cls, transaction: NamedTransaction, error: TransactWriteError) -> _Refusal:
        """Re-raises anything but failed conditions and conflicts with other writes."""
        refused = transaction.refusals(error)
        device, count = refused[_DEVICE], refused[_COUNT]
        raw = count.raw_item if count.condition_failed else None
        return cls(device.condition_failed, count.condition_failed,
                   DeviceCountModel.from_raw_data(raw) if raw else None)


def _start_counting(user_id: str) -> None:
    """Create the device count of an account that has none, from its devices. Until it
    exists no registration or removal of the account can be written, so the count is
    exact; if another request created it meanwhile, that one stands."""
    count = _count_of(user_id)
    count.registered = DeviceModel.count(user_id, consistent_read=True)
    try:
        count.save(condition=DeviceCountModel.registered.does_not_exist())
    except PutError as error:
        if not is_condition_failure(error):
            raise


def _update(device: DeviceModel) -> Device | None:
    """The device renamed and retyped; None when it was removed meanwhile (an update must
    not bring it back uncounted)."""
    try:
        device.update(actions=[
            DeviceModel.name.set(device.name),
            DeviceModel.device_type.set(device.device_type),
            DeviceModel.updated_at.set(device.updated_at),
        ], condition=DeviceModel.device_id.exists())
    except UpdateError as error:
        if is_condition_failure(error):
            return None
        raise
    return Device.of(device)


def list_devices(user_id: str) -> list[Device]:
    devices = [Device.of(model) for model in DeviceModel.query(user_id)]
    return sorted(devices, key=lambda d: (d.created_at, d.device_id))


def get_device(user_id: str, device_id: str) -> Device:
    if not DEVICE_ID.match(device_id):  # no such id was ever registered (nor fits a key)
        raise NotFound(f"No device {device_id[:128]!r}.")
    try:
        return Device.of(DeviceModel.get(user_id, device_id))
    except DoesNotExist:
        raise NotFound(f"No device {device_id!r}.") from None


def remove_device(user_id: str, device_id: str) -> None:
    for attempt in range(RETRIES):
        try:
            with NamedTransaction() as transaction:
                transaction.delete(_DEVICE, DeviceModel(user_id, device_id),
                                   condition=DeviceModel.device_id.exists())
                transaction.update(_COUNT, _count_of(user_id),
                                   actions=[DeviceCountModel.registered.add(-1)],
                                   condition=DeviceCountModel.registered.exists(),
                                   return_values=ALL_OLD)
        except TransactWriteError as error:
            refusal = _Refusal.of(transaction, error)
            if refusal.device_refused:
                raise NotFound(f"No device {device_id!r}.") from None
            if refusal.count_refused:  # (it can only be missing)
                _start_counting(user_id)
            else:
                back_off(attempt, CONFLICT_BACK_OFF_SECONDS)
            continue
        return
    raise Conflict("The account's devices kept changing; try again.")


@on_account_deleted
def erase_devices_of(user_id: str) -> None:
    with DeviceModel.batch_write() as batch:
        for device in DeviceModel.query(user_id):
            batch.delete(device)
    _count_of(user_id).delete()
