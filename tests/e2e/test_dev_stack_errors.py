"""`make run`'s API refuses at its edge in the API's JSON shape, as the cloud's does.

`chalice local` answered an unknown path with 403 `{"message": "Missing Authentication
Token"}` (echoing an Authorization header), TRACE with an HTML 501 and a 9 kB URL with
whatever the route made of it; the dev stack now serves through devstack/api_server.py.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from devstack.environment import PROJECT_ROOT
from tests.support.dev_stack import DevStack, running_dev_stack

pytestmark = pytest.mark.e2e
PREFIX = "reelstack-e2e-edge"


@pytest.fixture(scope="module")
def dev_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevStack]:
    """One stack for the module: each test only reads."""
    log = tmp_path_factory.mktemp("make-run") / "make-run.log"
    with running_dev_stack(PROJECT_ROOT, log, PREFIX) as stack:
        yield stack


def assert_error(response: requests.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/json"
    assert response.json()["Code"] == code
    assert set(response.json()) == {"Code", "Message"}


def test_an_unknown_path_is_a_404_that_echoes_no_token(dev_stack: DevStack) -> None:
    response = requests.get(f"{dev_stack.api_url}/api/nowhere/", timeout=10,
                            headers={"Authorization": "Bearer secret-token-42"})

    assert_error(response, 404, "NotFound")
    assert "secret-token-42" not in response.text


def test_a_wrong_method_and_trace_are_405s_with_allow(dev_stack: DevStack) -> None:
    for method in ("DELETE", "TRACE"):
        response = requests.request(method, f"{dev_stack.api_url}/api/health/", timeout=10)

        assert_error(response, 405, "MethodNotAllowed")
        assert response.headers["Allow"] == "GET, OPTIONS"


def test_an_over_long_url_is_a_414(dev_stack: DevStack) -> None:
    response = requests.get(f"{dev_stack.api_url}/api/video/?search={'a' * 9000}", timeout=10)

    assert_error(response, 414, "URITooLong")


def test_the_api_still_answers(dev_stack: DevStack) -> None:
    response = requests.get(f"{dev_stack.api_url}/api/health/", timeout=10)

    assert response.status_code == 200
    assert response.json()["status"] == "ok"
