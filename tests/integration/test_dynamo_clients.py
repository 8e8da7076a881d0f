"""DynamoDB conventions over the emulator: transaction items read by name, and tables of
several kinds of item, whose items from before the kinds still read."""

from __future__ import annotations

import time
import uuid

import pytest
from pynamodb.exceptions import TransactWriteError

from chalicelib.auth.models import RefreshToken, TokenModel
from chalicelib.core.clients import aws_client
from chalicelib.core.dynamo import CONDITION_FAILED, NamedTransaction
from chalicelib.core.settings import Settings
from chalicelib.movie_requests import ledger
from chalicelib.movie_requests.models import (
    OpenRequestPointer,
    QuotaRecord,
    RequesterRecord,
    RequestRecord,
    add_missing_kinds,
    open_key,
    quota_key,
    requester_key,
)


def test_a_cancelled_transaction_says_by_name_which_item_refused(stack: Settings) -> None:
    user, tmdb_id = uuid.uuid4().hex, 9_000_001
    QuotaRecord(quota_key(user), open_count=1).save()
    OpenRequestPointer(open_key(tmdb_id), target="taken").save()

    # The commit, as the block ends, raises. Added update first, put second: DynamoDB is
    # sent the put first.
    with pytest.raises(TransactWriteError) as raised, NamedTransaction() as transaction:
        transaction.update("quota", QuotaRecord(quota_key(user)),
                           actions=[QuotaRecord.open_count.add(1)],
                           condition=QuotaRecord.open_count < 5)
        transaction.save("pointer", OpenRequestPointer(open_key(tmdb_id), target="mine"),
                         condition=OpenRequestPointer.request_id.does_not_exist())

    assert transaction.names == ["pointer", "quota"]
    assert transaction.reasons(raised.value) == {"pointer": CONDITION_FAILED, "quota": None}
    refusals = transaction.refusals(raised.value)
    assert (refusals["pointer"].condition_failed, refusals["quota"].condition_failed) == (
        True, False)
    assert QuotaRecord.get(quota_key(user)).open_count == 1  # nothing was written


def test_one_name_cannot_name_two_items(deployed_stack: Settings) -> None:
    transaction = NamedTransaction()
    transaction.save("item", QuotaRecord(quota_key("a"), open_count=0))

    with pytest.raises(ValueError, match="'item' names two items"):
        transaction.save("item", QuotaRecord(quota_key("b"), open_count=0))


def test_a_token_from_before_the_kinds_reads_as_its_kind(stack: Settings) -> None:
    """The tokens table's discriminator is the `kind` attribute its items always had."""
    token_id = f"refresh#{uuid.uuid4().hex}"
    aws_client("dynamodb").put_item(TableName=stack.tables.tokens, Item={
        "token_id": {"S": token_id}, "kind": {"S": "refresh"}, "user_id": {"S": "u1"},
        "family_id": {"S": "f1"}, "state": {"S": "active"},
        "expires_at": {"N": str(int(time.time()) + 600)}})

    token = TokenModel.get(token_id, consistent_read=True)

    assert isinstance(token, RefreshToken)
    assert (token.family_id, token.state) == ("f1", "active")


def test_request_items_from_before_the_kinds_get_theirs_and_are_found_again(
    stack: Settings,
) -> None:
    user, request_id = uuid.uuid4().hex, uuid.uuid4().hex
    table, client = stack.tables.requests, aws_client("dynamodb")
    legacy = [  # as the code before kinds wrote them: told apart by key only
        {"request_id": {"S": request_id}, "state": {"S": "requested"},
         "created_at": {"S": "2026-01-01T00:00:00+00:00"}, "title": {"S": "Old"}},
        {"request_id": {"S": requester_key(request_id, user)}, "target": {"S": request_id},
         "requester_id": {"S": user}, "requested_at": {"S": "2026-01-01T00:00:00+00:00"}},
        {"request_id": {"S": quota_key(user)}, "open_count": {"N": "1"}},
    ]
    for item in legacy:
        client.put_item(TableName=table, Item=item)
    # Read by key, each already reads as the class asked for; queries filter on the kind.
    assert RequestRecord.get(request_id, consistent_read=True).title == "Old"
    assert list(RequesterRecord.requester_index.query(user)) == []

    assert add_missing_kinds() == 3

    [mine] = RequesterRecord.requester_index.query(user)
    assert mine.target == request_id
    assert request_id in {r.request_id for r in RequestRecord.state_index.query("requested")}
    assert QuotaRecord.get(quota_key(user), consistent_read=True).open_count == 1
    assert add_missing_kinds() == 0  # once


def test_a_new_request_writes_each_of_its_items_with_its_kind(stack: Settings) -> None:
    user = uuid.uuid4().hex
    filed = ledger.file_request(ledger.WantedMovie(9_000_002, "New", None), user, max_open=5)
    assert filed is not None

    client = aws_client("dynamodb")
    kinds = {key: client.get_item(TableName=stack.tables.requests, ConsistentRead=True,
                                  Key={"request_id": {"S": key}})["Item"]["kind"]["S"]
             for key in (filed.request_id, requester_key(filed.request_id, user),
                         open_key(9_000_002), quota_key(user))}
    assert list(kinds.values()) == ["request", "requester", "open", "quota"]
    assert add_missing_kinds() == 0
