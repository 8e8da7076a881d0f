"""DynamoDB isolation per table, so calls on different tables run side by side.

moto's DynamoDB is not isolated on its own (a condition is checked apart from the write
it guards; a cancelled transaction restores what it touched), so each request must run
alone among the requests that touch the same tables. One lock for all of DynamoDB did
that, and also made a heartbeat (sessions) wait for a catalog page (listing) it shares
nothing with. Here each request holds the locks of exactly the tables it names, taken in
name order so two transactions can never wait on each other; a request that changes the
set of tables (CreateTable, DeleteTable...) or lists it holds the catalog lock as well.

Two requests that share a table are still one after the other, so every guarantee the
race tests rely on (one winner per stream slot, transactions all or nothing) holds as
with the single lock: any two requests that could see each other's writes are ordered.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

# Requests that read or change which tables exist, rather than what is in them.
CATALOG_ACTIONS = frozenset({
    "CreateTable", "DeleteTable", "UpdateTable", "ListTables", "RestoreTableFromBackup",
    "RestoreTableToPointInTime", "CreateGlobalTable", "UpdateGlobalTable", "ImportTable",
})
# Requests whose tables cannot be told from their parameters: they take every lock.
UNSCOPED_ACTIONS = frozenset({"ExecuteStatement", "BatchExecuteStatement",
                              "ExecuteTransaction"})

_catalog = threading.Lock()
_table_locks: dict[str, threading.Lock] = {}
_making_locks = threading.Lock()


def tables_named(params: dict[str, Any]) -> set[str]:
    """The tables a DynamoDB request's parameters name."""
    names: set[str] = set()
    if isinstance(params.get("TableName"), str):
        names.add(params["TableName"])
    for item in params.get("TransactItems") or []:
        for operation in item.values() if isinstance(item, dict) else []:
            if isinstance(operation, dict) and isinstance(operation.get("TableName"), str):
                names.add(operation["TableName"])
    requested = params.get("RequestItems")
    if isinstance(requested, dict):
        names.update(name for name in requested if isinstance(name, str))
    if isinstance(params.get("ResourceArn"), str):  # tags, resource policies
        names.add(params["ResourceArn"].rpartition("/")[2])
    return names


def _lock_of(table: str) -> threading.Lock:
    lock = _table_locks.get(table)
    if lock is None:
        with _making_locks:
            lock = _table_locks.setdefault(table, threading.Lock())
    return lock


@contextmanager
def isolated(action: str, params: dict[str, Any]) -> Iterator[None]:
    """Hold what `action` on the tables in `params` needs to run alone among the requests
    it could see or be seen by."""
    tables = tables_named(params)
    with ExitStack() as held:
        if action in CATALOG_ACTIONS or action in UNSCOPED_ACTIONS or not tables:
            held.enter_context(_catalog)
        if action in UNSCOPED_ACTIONS or (not tables and action not in CATALOG_ACTIONS):
            tables = set(_table_locks)  # every table known so far, in order below
        for table in sorted(tables):
            held.enter_context(_lock_of(table))
        yield


def per_table(call_action: Any) -> Any:
    """DynamoHandler.call_action, run under `isolated`."""

    @functools.wraps(call_action)
    def call(handler: Any) -> Any:
        params = getattr(handler, "params", None)
        action = handler._get_action() if hasattr(handler, "_get_action") else ""
        with isolated(str(action), params if isinstance(params, dict) else {}):
            return call_action(handler)

    return call
