"""TMDb's answers, read into typed records: the JSON is decoded into the Structs below
(fields we do not read are ignored, as TMDb adds fields freely), then shaped into the
movie, credits and search results the catalog uses.

A value of the wrong type, or an id or title TMDb should always send, raises ValueError
(msgspec's ValidationError is one): the client answers it as a 502 naming TMDb.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Annotated, Any

import msgspec
from msgspec import Meta

from chalicelib.catalog.inputs import Role
from chalicelib.core.validation import ascii_int

MAX_ACTORS = 15
CREW_ROLES: dict[str, Role] = {
    "Director": "director",
    "Screenplay": "writer",
    "Writer": "writer",
    "Story": "writer",
    "Novel": "writer",
    "Producer": "producer",
    "Executive Producer": "producer",
    "Original Music Composer": "composer",
}
# TMDb release types: the rating a cinema shows comes first.
THEATRICAL, THEATRICAL_LIMITED = 3, 2


@dataclass(frozen=True)
class TmdbCredit:
    person_id: int
    name: str
    role: Role
    character: str | None
    order: int


@dataclass(frozen=True)
class TmdbMovie:
    tmdb_id: int
    title: str
    overview: str
    release_year: int | None
    runtime_minutes: int | None
    genres: tuple[str, ...]
    certification: str | None
    poster_path: str | None
    backdrop_path: str | None
    original_language: str | None
    credits: tuple[TmdbCredit, ...]


@dataclass(frozen=True)
class TmdbSearchResult:
    tmdb_id: int
    title: str
    release_year: int | None
    poster_path: str | None


# ---------------------------------------------------------------- the JSON, as TMDb sends it
TmdbId = Annotated[int, Meta(gt=0)]


class _Answer(msgspec.Struct, frozen=True):
    """Part of a TMDb answer; unknown fields are TMDb's business and ignored."""


class _Genre(_Answer, frozen=True):
    name: str


class _CastMember(_Answer, frozen=True):
    id: TmdbId
    name: str
    character: str | None = None
    order: int | None = None


class _CrewMember(_Answer, frozen=True):
    id: TmdbId
    name: str
    job: str | None = None


class _Credits(_Answer, frozen=True):
    cast: list[_CastMember] | None = None
    crew: list[_CrewMember] | None = None


class _Release(_Answer, frozen=True):
    certification: str | None = None
    type: int | None = None


class _CountryReleases(_Answer, frozen=True):
    iso_3166_1: str | None = None
    release_dates: list[_Release] | None = None


class _ReleaseDates(_Answer, frozen=True):
    results: list[_CountryReleases] | None = None


class _MovieAnswer(_Answer, frozen=True):
    id: TmdbId
    title: str
    overview: str | None = None
    release_date: str | None = None
    runtime: int | float | None = None  # minutes
    genres: list[_Genre] | None = None
    release_dates: _ReleaseDates | None = None
    poster_path: str | None = None
    backdrop_path: str | None = None
    original_language: str | None = None
    credits: _Credits | None = None


class _SearchHit(_Answer, frozen=True):
    id: TmdbId
    title: str
    release_date: str | None = None
    poster_path: str | None = None


class _SearchAnswer(_Answer, frozen=True):
    results: list[_SearchHit]


# ---------------------------------------------------------------- shaped for the catalog
def movie_from(payload: dict[str, Any]) -> TmdbMovie:
    answer = msgspec.convert(payload, _MovieAnswer)
    credits = answer.credits or _Credits()
    return TmdbMovie(
        tmdb_id=answer.id,
        title=_text(answer.title),
        overview=answer.overview or "",
        release_year=_year(answer.release_date),
        runtime_minutes=int(answer.runtime) if answer.runtime else None,
        genres=tuple(_text(genre.name) for genre in answer.genres or []),
        certification=_certification(answer.release_dates or _ReleaseDates()),
        poster_path=answer.poster_path or None,
        backdrop_path=answer.backdrop_path or None,
        original_language=answer.original_language or None,
        credits=(*_actors(credits.cast or []), *_crew(credits.crew or [])),
    )


def search_results_from(payload: dict[str, Any]) -> list[TmdbSearchResult]:
    return [TmdbSearchResult(tmdb_id=hit.id, title=_text(hit.title),
                             release_year=_year(hit.release_date),
                             poster_path=hit.poster_path or None)
            for hit in msgspec.convert(payload, _SearchAnswer).results]


def _actors(cast: list[_CastMember]) -> list[TmdbCredit]:
    by_person: dict[int, TmdbCredit] = {}
    for member in sorted(cast, key=lambda member: member.order or 0):
        character = member.character or None
        known = by_person.get(member.id)
        if known is not None:
            # One actor in two parts (TMDb lists each part): one credit naming both.
            both = " / ".join(part for part in (known.character, character) if part) or None
            by_person[member.id] = dataclasses.replace(known, character=both)
        elif len(by_person) < MAX_ACTORS:
            by_person[member.id] = TmdbCredit(member.id, _text(member.name), "actor",
                                              character, len(by_person))
    return list(by_person.values())


def _crew(crew: list[_CrewMember]) -> list[TmdbCredit]:
    credits: list[TmdbCredit] = []
    seen: set[tuple[int, str]] = set()
    for member in crew:
        role = CREW_ROLES.get(member.job or "")
        if role is None or (member.id, role) in seen:
            continue
        seen.add((member.id, role))
        order = sum(1 for credit in credits if credit.role == role)
        credits.append(TmdbCredit(member.id, _text(member.name), role, None, order))
    return credits


def _certification(release_dates: _ReleaseDates) -> str | None:
    """The US theatrical rating if there is one, else any US one, else the first of any."""
    countries = release_dates.results or []
    us = [release for country in countries if country.iso_3166_1 == "US"
          for release in country.release_dates or []]
    preferred = {THEATRICAL: 0, THEATRICAL_LIMITED: 1}
    us.sort(key=lambda release: preferred.get(release.type or 0, 2))
    everywhere = (release for country in countries for release in country.release_dates or [])
    for release in (*us, *everywhere):
        certification = (release.certification or "").strip()
        if certification:
            return certification
    return None


def _year(release_date: str | None) -> int | None:
    text = release_date or ""
    return ascii_int(text[:4]) if len(text) >= 4 else None


def _text(value: str) -> str:
    if not value.strip():
        raise ValueError(f"expected a non-empty string, got {value!r}")
    return value.strip()
