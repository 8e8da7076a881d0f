"""The notifications queue's messages are read into typed models at the boundary."""

from __future__ import annotations

import json

import pytest

from chalicelib.core.errors import InvalidInput
from chalicelib.notify.service import EmailJob, handle_notification

JOB = {"type": "email", "job_id": "j1", "template": "activation", "to": "a@example.com",
       "data": {"name": "Ada"}}


def test_an_email_job_is_read_with_its_data_and_the_type_left_to_the_envelope() -> None:
    assert EmailJob.from_message(json.dumps(JOB)) == EmailJob(
        "j1", "activation", "a@example.com", {"name": "Ada"})
    assert EmailJob.from_message(json.dumps({k: v for k, v in JOB.items() if k != "data"})
                                 ).data == {}


@pytest.mark.parametrize(("change", "named"), [
    ({"to": None}, "to"), ({"data": {"name": 3}}, "data"), ({"template": "nope"}, "nope"),
])
def test_a_bad_email_job_is_refused_naming_what_is_wrong(change: dict[str, object],
                                                         named: str) -> None:
    with pytest.raises(InvalidInput, match=named):
        EmailJob.from_message(json.dumps(JOB | change))


@pytest.mark.parametrize("body", ["[]", "not json", '{"type": 7}', '{"type": "unheard_of"}'])
def test_a_message_of_no_known_kind_is_refused(body: str) -> None:
    with pytest.raises(InvalidInput):
        handle_notification(body)
