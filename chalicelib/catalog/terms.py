"""Genres, artists and maturity ratings: managed resources the movies refer to."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum

from pynamodb.exceptions import DoesNotExist, PutError

from chalicelib.catalog.inputs import NewTerm, TermFields
from chalicelib.catalog.models import ListingModel, TermModel
from chalicelib.catalog.shapes import Artist, Genre, MaturityRating, TermShape
from chalicelib.catalog.text import slugify
from chalicelib.core.dynamo import is_condition_failure
from chalicelib.core.errors import Conflict, InvalidInput, NotFound


class TermKind(Enum):
    GENRE = "genre"
    ARTIST = "artist"
    RATING = "rating"

    @property
    def label(self) -> str:
        return {"genre": "genre", "artist": "artist", "rating": "maturity rating"}[self.value]

    def facet(self, term_id: str) -> str:
        return f"{self.value}#{term_id}"


@dataclass(frozen=True)
class Term:
    kind: TermKind
    term_id: str
    name: str
    description: str | None
    min_age: int | None

    @classmethod
    def of(cls, model: TermModel) -> Term:
        return cls(TermKind(model.kind), model.term_id, model.name, model.description,
                   int(model.min_age) if model.min_age is not None else None)

    def public(self) -> TermShape:
        if self.kind is TermKind.ARTIST:
            return Artist(id=self.term_id, name=self.name, bio=self.description or "")
        if self.kind is TermKind.RATING:
            return MaturityRating(id=self.term_id, name=self.name, code=self.term_id,
                                  description=self.description or "", min_age=self.min_age)
        return Genre(id=self.term_id, name=self.name)


def _new_id(kind: TermKind, new: NewTerm) -> str:
    if kind is TermKind.RATING:
        code = new.code
        if code is None:
            raise InvalidInput("code is required.", field="code")
        if not all(c.isalnum() or c in "-+" for c in code):
            raise InvalidInput("code may hold letters, digits, '-' and '+'.", field="code")
        return code.upper()
    if kind is TermKind.GENRE:
        slug = slugify(new.name)
        if not slug:
            raise InvalidInput("name must contain letters or digits.", field="name")
        return slug
    return uuid.uuid4().hex  # two artists may share a name


def create_term(kind: TermKind, new: NewTerm) -> Term:
    term = TermModel(kind.value, _new_id(kind, new), name=new.name,
                     description=_description(kind, new), min_age=new.min_age,
                     created_at=datetime.now(UTC).isoformat())
    try:
        term.save(condition=TermModel.term_id.does_not_exist())
    except PutError as error:
        if is_condition_failure(error):
            raise Conflict(f"The {kind.label} {term.term_id!r} already exists.") from None
        raise
    return Term.of(term)


def _description(kind: TermKind, fields: TermFields) -> str | None:
    return fields.bio if kind is TermKind.ARTIST else fields.description


def list_terms(kind: TermKind) -> list[Term]:
    return [Term.of(t) for t in TermModel.query(kind.value)]


def get_term(kind: TermKind, term_id: str) -> Term:
    try:
        return Term.of(TermModel.get(kind.value, term_id))
    except DoesNotExist:
        raise NotFound(f"No {kind.label} {term_id!r}.") from None


def terms_by_id(kind: TermKind, term_ids: list[str]) -> dict[str, Term]:
    """The terms named, in one batch read; an unknown id is a 400 naming it."""
    if not term_ids:
        return {}
    found = {t.term_id: Term.of(t)
             for t in TermModel.batch_get([(kind.value, i) for i in set(term_ids)])}
    missing = [i for i in term_ids if i not in found]
    if missing:
        raise InvalidInput(f"Unknown {kind.label}: {', '.join(missing)}.", field=kind.value)
    return found


def update_term(kind: TermKind, term_id: str, edit: TermFields) -> tuple[Term, bool]:
    """Apply the changes; (term, renamed) so the caller can refresh the movies showing it."""
    try:
        term = TermModel.get(kind.value, term_id)
    except DoesNotExist:
        raise NotFound(f"No {kind.label} {term_id!r}.") from None
    old_name = term.name
    term.name = edit.name or term.name
    description = _description(kind, edit)
    if description is not None:
        term.description = description
    if edit.min_age is not None:
        term.min_age = edit.min_age
    term.save()
    return Term.of(term), term.name != old_name


def movies_with(kind: TermKind, term_id: str, limit: int | None = None) -> list[str]:
    return [item.movie_id for item in ListingModel.query(kind.facet(term_id), limit=limit)]


def delete_term(kind: TermKind, term_id: str) -> None:
    get_term(kind, term_id)
    if movies_with(kind, term_id, limit=1):
        raise Conflict(f"The {kind.label} {term_id!r} is used by movies: remove it from "
                       "them first.")
    TermModel(kind.value, term_id).delete()


def ensure_term(kind: TermKind, term_id: str, name: str) -> str:
    """The term with this id, created with `name` if it does not exist yet (imports)."""
    term = TermModel(kind.value, term_id, name=name, created_at=datetime.now(UTC).isoformat())
    try:
        term.save(condition=TermModel.term_id.does_not_exist())
    except PutError as error:
        if not is_condition_failure(error):
            raise
    return term_id
