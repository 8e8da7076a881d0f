"""Bind PynamoDB models to the tables and endpoint named by settings.

Each context declares its model with `@settings_table(lambda tables: tables.users)`;
the model gets `Meta.table_name`, `Meta.host` and `Meta.region` from settings before
its first call, and again whenever settings are reloaded.
"""

from __future__ import annotations

import functools
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import botocore.session
from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.core.settings import Settings, Tables, get_settings, on_settings_reload

AnyModel = TypeVar("AnyModel", bound=type[Model])
TableChoice = Callable[[Tables], str]

_bound_models: dict[type[Model], TableChoice] = {}


def settings_table(choose: TableChoice) -> Callable[[AnyModel], AnyModel]:
    """Class decorator: the model's table is `choose(settings.tables)`."""

    def bind(model: AnyModel) -> AnyModel:
        _bound_models[model] = choose
        _bind(model, choose, get_settings())
        return model

    return bind


def _bind(model: type[Model], choose: TableChoice, settings: Settings) -> None:
    meta = model.Meta
    meta.table_name = choose(settings.tables)
    meta.host = settings.endpoint_url
    meta.region = settings.region
    meta.connect_timeout_seconds = 3
    meta.read_timeout_seconds = 10
    meta.max_retry_attempts = 3
    # PynamoDB caches its connection on the class and only notices a new table name.
    model._connection = None
    _share_session(model._get_connection().connection)


# Re-entrant: building a client asks for the session, under the same lock.
_client_lock = threading.RLock()


@functools.cache
def _process_session() -> botocore.session.Session:
    return botocore.session.get_session()


class _SharedClientConnection(Connection):
    """PynamoDB builds a connection's botocore client on its first call, from a session of
    the calling thread's own. Under a server with a thread per connection, every thread that
    met a model first (8 or 50 at once when a load starts) built its own session and client:
    each parses DynamoDB's service model again (about 0.1 s of CPU and tens of MB that the
    allocator keeps: the local API reached 940 MB), and all but the last are dropped. Here
    one session serves the process and a connection's client is built once, under a lock
    (a botocore session may build clients from one thread at a time)."""

    @property
    def session(self) -> botocore.session.Session:
        with _client_lock:
            return _process_session()

    @property
    def client(self) -> Any:
        if self._client is not None:
            return super().client
        with _client_lock:  # the first call builds it; the others wait for it
            return super().client


def _share_session(connection: Connection) -> Connection:
    """The connection's client comes from the process's one session, built once."""
    if type(connection) is Connection and connection._aws_access_key_id is None:
        connection.__class__ = _SharedClientConnection  # (PynamoDB takes no session of ours)
    return connection


def bound_models() -> list[type[Model]]:
    """The models bound to a table of the settings, in the order they were bound."""
    return list(_bound_models)


def _rebind_all(settings: Settings) -> None:
    for model, choose in _bound_models.items():
        _bind(model, choose, settings)


on_settings_reload(_rebind_all)


_transaction_connections: dict[Settings, Connection] = {}


def transaction_connection() -> Connection:
    """The connection PynamoDB transactions need, on the configured endpoint (built once:
    a connection builds a botocore client, which costs tens of milliseconds)."""
    settings = get_settings()
    connection = _transaction_connections.get(settings)
    if connection is None:
        connection = _share_session(Connection(
            region=settings.region, host=settings.endpoint_url, connect_timeout_seconds=3,
            read_timeout_seconds=10, max_retry_attempts=3))
        _transaction_connections.clear()
        _transaction_connections[settings] = connection
    return connection


def back_off(attempt: int, base_seconds: float) -> None:
    """Sleep before retrying a transaction that conflicted with another: a random share of
    an exponentially growing window, so writers that collided do not collide again."""
    time.sleep(random.uniform(0, base_seconds * 2 ** min(attempt, 6)))


CONDITION_FAILED = "ConditionalCheckFailed"
TRANSACTION_CONFLICT = "TransactionConflict"


@dataclass(frozen=True)
class ItemRefusal:
    """Why one item of a cancelled transaction was refused (None: it was not)."""

    code: str | None
    raw_item: dict[str, Any] | None

    @property
    def condition_failed(self) -> bool:
        return self.code == CONDITION_FAILED


class NamedTransaction:
    """A TransactWrite whose items are named, so that a cancellation is read by name (which
    item refused, and the item as it was), never by position. DynamoDB answers in the
    order the items were sent, and PynamoDB sends condition checks, deletes, puts, then
    updates, whatever order they were added in: only this class knows that order."""

    _KINDS = ("check", "delete", "put", "update")

    def __init__(self) -> None:
        self._write = TransactWrite(connection=transaction_connection())
        self._names: dict[str, list[str]] = {kind: [] for kind in self._KINDS}

    def __enter__(self) -> NamedTransaction:
        self._write.__enter__()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self._write.__exit__(*exc_info)

    def condition_check(self, name: str, model: type[Model], hash_key: str,
                        condition: Condition) -> None:
        self._name("check", name)
        self._write.condition_check(model, hash_key, condition=condition)

    def delete(self, name: str, model: Model, condition: Condition | None = None) -> None:
        self._name("delete", name)
        self._write.delete(model, condition=condition)

    def save(self, name: str, model: Model, condition: Condition | None = None,
             return_values: str | None = None) -> None:
        self._name("put", name)
        self._write.save(model, condition=condition, return_values=return_values)

    def update(self, name: str, model: Model, actions: list[Action],
               condition: Condition | None = None, return_values: str | None = None) -> None:
        self._name("update", name)
        self._write.update(model, actions, condition=condition, return_values=return_values)

    @property
    def names(self) -> list[str]:
        """The items' names in the order they are sent."""
        return [name for kind in self._KINDS for name in self._names[kind]]

    def reasons(self, error: TransactWriteError) -> dict[str, str | None]:
        """Each item's cancellation code by name (None: that item was not refused)."""
        return {name: refusal.code for name, refusal in self._refusals(error).items()}

    def refusals(self, error: TransactWriteError) -> dict[str, ItemRefusal]:
        """Each item's refusal by name. Re-raises anything but failed conditions and
        conflicts with other writes (a throttle or an outage is not a refusal)."""
        found = self._refusals(error)
        codes = {refusal.code for refusal in found.values() if refusal.code is not None}
        if not codes or not codes <= {CONDITION_FAILED, TRANSACTION_CONFLICT}:
            raise error
        return found

    def _refusals(self, error: TransactWriteError) -> dict[str, ItemRefusal]:
        given = list(error.cancellation_reasons)
        given += [None] * (len(self.names) - len(given))  # none given: none refused
        return {name: ItemRefusal(reason.code, reason.raw_item) if reason is not None
                else ItemRefusal(None, None)
                for name, reason in zip(self.names, given, strict=False)}

    def _name(self, kind: str, name: str) -> None:
        if name in self.names:
            raise ValueError(f"{name!r} names two items of one transaction")
        self._names[kind].append(name)


def is_condition_failure(error: Exception) -> bool:
    """True when a PynamoDB write failed its `condition=` (someone else got there first)."""
    return getattr(error, "cause_response_code", None) == "ConditionalCheckFailedException"


def dynamodb_clients() -> list[Any]:
    """Every botocore client DynamoDB calls go through: the boto3 one, the transaction
    connection's and each bound model's (tests hook their events: tests/support/aws_calls.py)."""
    from chalicelib.core.clients import aws_client

    clients = [aws_client("dynamodb"), transaction_connection().client,
               *(model._get_connection().connection.client for model in _bound_models)]
    return list({id(client): client for client in clients}.values())
