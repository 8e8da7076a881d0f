"""The emulator's DynamoDB isolation per table (devstack/moto_table_locks.py)."""

from __future__ import annotations

import threading
import time

from devstack.moto_table_locks import isolated, tables_named

WAIT = 30.0  # a bound for a thread that should get in at once, never a measured time


def test_tables_named_reads_every_shape_of_request() -> None:
    assert tables_named({"TableName": "movies"}) == {"movies"}
    assert tables_named({"TransactItems": [
        {"Put": {"TableName": "sessions"}}, {"Update": {"TableName": "users"}},
        {"ConditionCheck": {"TableName": "sessions"}}]}) == {"sessions", "users"}
    assert tables_named({"RequestItems": {"a": [], "b": []}}) == {"a", "b"}
    assert tables_named({"ResourceArn": "arn:aws:dynamodb:us-east-1:1:table/movies"}) \
        == {"movies"}
    assert tables_named({}) == set()


def test_requests_on_different_tables_run_side_by_side() -> None:
    inside, other_done = threading.Event(), threading.Event()

    def other_table() -> None:
        with isolated("PutItem", {"TableName": "sessions-side"}):
            other_done.set()

    with isolated("Query", {"TableName": "movies-side"}):
        inside.set()
        thread = threading.Thread(target=other_table)
        thread.start()
        # Serialized, the other request would wait for this block to end: it never would.
        assert other_done.wait(WAIT)
    thread.join(WAIT)


def test_requests_that_share_a_table_run_one_after_the_other() -> None:
    order: list[str] = []
    started = threading.Event()

    def second() -> None:
        started.set()
        with isolated("TransactWriteItems", {"TransactItems": [
                {"Put": {"TableName": "users-shared"}},
                {"Put": {"TableName": "slots-shared"}}]}):
            order.append("second in")

    with isolated("UpdateItem", {"TableName": "slots-shared"}):
        order.append("first in")
        thread = threading.Thread(target=second)
        thread.start()
        started.wait(WAIT)
        time.sleep(0.05)  # gives a broken lock the chance to let it in; never needed to pass
        order.append("first out")
    thread.join(WAIT)
    assert order == ["first in", "first out", "second in"]


def test_a_table_being_created_waits_for_no_one_else() -> None:
    done = threading.Event()

    def create() -> None:
        with isolated("CreateTable", {"TableName": "new-table"}):
            done.set()

    with isolated("GetItem", {"TableName": "busy-table"}):
        thread = threading.Thread(target=create)
        thread.start()
        assert done.wait(WAIT)
    thread.join(WAIT)


def test_transactions_in_opposite_orders_do_not_deadlock() -> None:
    def transact(tables: list[str]) -> None:
        for _ in range(200):
            with isolated("TransactWriteItems", {"TransactItems": [
                    {"Put": {"TableName": name}} for name in tables]}):
                pass

    threads = [threading.Thread(target=transact, args=(["x-order", "y-order"],)),
               threading.Thread(target=transact, args=(["y-order", "x-order"],))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT)
    assert not any(thread.is_alive() for thread in threads)
