"""Catalog factories: genres, artists, ratings and movies in the state a test needs."""

from __future__ import annotations

import itertools
from typing import Any

from chalicelib.catalog import movies, terms
from chalicelib.catalog.inputs import NewMovie, NewTerm
from chalicelib.catalog.models import MovieModel
from chalicelib.catalog.terms import Term, TermKind
from chalicelib.core.contract import decode
from tests.support.api import Browser, bearer
from tests.support.factories import TestAccount

_numbers = itertools.count(1)


def make_genre(name: str) -> Term:
    return terms.create_term(TermKind.GENRE, NewTerm(name=name))


def make_artist(name: str) -> Term:
    return terms.create_term(TermKind.ARTIST, NewTerm(name=name))


def make_rating(code: str, min_age: int = 0) -> Term:
    return terms.create_term(TermKind.RATING, NewTerm(name=code, code=code, min_age=min_age))


def make_movie(title: str | None = None, *, status: str = "ready", **fields: Any) -> MovieModel:
    body = {"title": title or f"Movie {next(_numbers)}", "description": "A film.", **fields}
    return movies.create_movie(decode(NewMovie, body), status=status)


def token_headers(browser: Browser, account: TestAccount) -> dict[str, str]:
    response = browser.post("/auth/login/", {"email": account.email,
                                             "password": account.password})
    assert response.status_code == 200, response.json_body
    return bearer(str(response.json_body["access"]))
