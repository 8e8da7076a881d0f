"""Every route says who may call it where it is declared, and the route table keeps its
word: no declaration forgotten, every non-public route refuses an anonymous caller (401)
and every admin route refuses a signed-in user (403), before reading any input."""

from __future__ import annotations

import importlib
import re

from chalicelib.auth.access import Access
from chalicelib.core.http import Operation
from chalicelib.core.openapi import declared_operations
from tests.support.api import Browser

_PARAMETER = re.compile(r"\{\w+\+?\}")


def operations() -> list[Operation]:
    return declared_operations(importlib.import_module("app").app)


def concrete(path: str) -> str:
    """The path with every parameter filled: the caller is refused before it is read."""
    return _PARAMETER.sub("x", path)


def test_every_route_declares_who_may_call_it() -> None:
    undeclared = [f"{op.method} {op.path}" for op in operations() if op.auth is None]

    assert undeclared == []
    assert len(operations()) > 70


def test_every_non_public_route_refuses_an_anonymous_caller(browser: Browser) -> None:
    guarded = [op for op in operations() if op.auth is not None and not op.auth.public]
    answers = {f"{op.method} {op.path}": browser.request(op.method, concrete(op.path), {})
               for op in guarded}

    wrong = {route: (answer.status_code, answer.json_body)
             for route, answer in answers.items() if answer.status_code != 401}
    assert wrong == {}
    assert len(guarded) > 40


def test_every_admin_route_refuses_a_user(browser: Browser, viewer: dict[str, str]) -> None:
    admin_only = [op for op in operations() if op.auth is Access.ADMIN]
    answers = {f"{op.method} {op.path}": browser.request(op.method, concrete(op.path), {},
                                                         headers=viewer)
               for op in admin_only}

    wrong = {route: (answer.status_code, answer.json_body)
             for route, answer in answers.items() if answer.status_code != 403}
    assert wrong == {}
    assert 10 < len(admin_only) < 55  # one user's calls stay under the per-minute limit


def test_the_openapi_document_is_public(browser: Browser) -> None:
    answer = browser.get("/api/openapi.json")

    assert answer.status_code == 200
    assert answer.json_body["openapi"].startswith("3.1")
    assert "/api/me" in answer.json_body["paths"]
