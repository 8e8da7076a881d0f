"""JSON log lines carry the Lambda request id of the invocation that wrote them."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

import pytest
from chalice.app import SQSEvent

from chalicelib.core.logs import JsonFormatter, lambda_context_middleware
from tests.support.logs import LoggedLines, json_lines


@dataclass
class Context:
    aws_request_id: str = "7f1d-request"
    function_name: str = "reelstack-dev-on_notification"


@pytest.fixture
def lines() -> Iterator[LoggedLines]:
    with json_lines("tests.logs", JsonFormatter()) as logged:
        yield logged


def test_a_handler_logs_with_its_request_id_and_function(lines: LoggedLines) -> None:
    # Chalice types the context as a dict; Lambda hands in an object.
    event = SQSEvent({"Records": []}, cast(Any, Context()))

    def handler(_: Any) -> str:
        logging.getLogger("tests.logs").info("sent", extra={"template": "activation"})
        return "done"

    assert lambda_context_middleware(event, handler) == "done"
    logging.getLogger("tests.logs").info("after")

    during, after = lines()
    assert during == {"level": "INFO", "logger": "tests.logs", "message": "sent",
                      "request_id": "7f1d-request",
                      "function": "reelstack-dev-on_notification", "template": "activation"}
    assert "request_id" not in after


def test_an_http_request_has_its_context_as_lambda_context(lines: LoggedLines) -> None:
    @dataclass
    class Request:
        lambda_context: Context

    lambda_context_middleware(Request(Context(aws_request_id="http-1")),
                              lambda _: logging.getLogger("tests.logs").warning("slow"))

    [line] = lines()
    assert line["request_id"] == "http-1"
