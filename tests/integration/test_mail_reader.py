"""Reading sent mail costs what the mail costs, not what the emulator holds (issue 16).

moto's /moto-api/data.json, which `make mail` used to read, serializes every object moto
keeps: after a day of use it took minutes and stalled the API. The dev stack's moto
answers /_reelstack/mail from SES alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

import pytest
import requests

from chalicelib.core.clients import aws_client
from chalicelib.core.settings import Settings
from chalicelib.notify.service import queue_email
from devstack.emulator import Emulator, EmulatorKind
from devstack.mailbox import MAIL_PATH, SentMail, mail_to
from tests.support.factories import deliver_notifications, new_email

MANY = 1_000


class RecordingSession(requests.Session):
    """A real session that notes the path and size of every answer it got."""

    def __init__(self) -> None:
        super().__init__()
        self.answers: list[tuple[str, int]] = []

    def request(self, method: str | bytes, url: str | bytes, *args: Any,
                **kwargs: Any) -> requests.Response:
        answer = super().request(method, url, *args, **kwargs)
        self.answers.append((urlparse(answer.url).path, len(answer.content)))
        return answer


@pytest.fixture
def dev_stack_moto(stack: Settings, emulator: Emulator) -> Settings:
    if emulator.kind is not EmulatorKind.MOTO:
        pytest.skip("the mail route belongs to the dev stack's moto (devstack/moto_server.py)")
    return stack


@pytest.fixture
def scratch_table(dev_stack_moto: Settings) -> Iterator[str]:
    dynamodb, name = aws_client("dynamodb"), f"{dev_stack_moto.prefix}-mail-reader-scratch"
    dynamodb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                          AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                          KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
    yield name
    dynamodb.delete_table(TableName=name)


def _fill(table: str, bucket: str) -> None:
    dynamodb, s3 = aws_client("dynamodb"), aws_client("s3")
    for start in range(0, MANY, 25):
        dynamodb.batch_write_item(RequestItems={table: [
            {"PutRequest": {"Item": {"pk": {"S": f"item-{n}"}, "filler": {"S": "x" * 100}}}}
            for n in range(start, start + 25)]})
    for n in range(MANY // 10):
        s3.put_object(Bucket=bucket, Key=f"scratch/{n}.txt", Body=b"x" * 100)


def _read(address: str) -> tuple[list[SentMail], list[tuple[str, int]]]:
    session = RecordingSession()
    mails = mail_to(aws_client("s3").meta.endpoint_url, address, http=session)
    return mails, session.answers


def test_reading_mail_costs_the_same_after_a_thousand_more_items(
        dev_stack_moto: Settings, scratch_table: str) -> None:
    address = new_email()
    queue_email("already_registered", address, {"link": "http://x/password_confirm/u/t/"})
    deliver_notifications()
    mails_before, answers_before = _read(address)

    _fill(scratch_table, dev_stack_moto.buckets.media)
    mails_after, answers_after = _read(address)

    assert [mail.subject for mail in mails_after] == ["Your Reelstack account"]
    assert mails_after == mails_before
    assert answers_after == answers_before  # same requests, same bytes
    assert [path for path, _ in answers_after] == [MAIL_PATH]


def test_the_route_answers_only_the_address_asked_and_after_a_position(
        dev_stack_moto: Settings) -> None:
    first, second = new_email(), new_email()
    for address in (first, second, first):
        queue_email("already_registered", address, {"link": "http://x/password_confirm/u/t/"})
        deliver_notifications()
    route = f"{aws_client('s3').meta.endpoint_url}{MAIL_PATH}"

    to_first = requests.get(route, params={"to": first}, timeout=10).json()
    newer = requests.get(route, params={"to": first, "after": to_first["next"] - 1},
                         timeout=10).json()
    nothing_newer = requests.get(route, params={"after": to_first["next"]}, timeout=10).json()
    bad = requests.get(route, params={"after": "-1"}, timeout=10)

    assert [mail["destinations"][0] for mail in to_first["mail"]] == [first, first]
    assert len(newer["mail"]) == 1 and newer["mail"][0]["raw"] == to_first["mail"][1]["raw"]
    assert nothing_newer == {"mail": [], "next": to_first["next"]}
    assert bad.status_code == 400 and bad.json()["Code"] == "BadRequest"
