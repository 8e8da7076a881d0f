"""Every index a model queries is one its connection knows.

PynamoDB caches a connection (with the table's schema as the model saw it) on the class
that first asks, and subclasses inherit it: a model bound to its table before its
discriminated kinds existed used to hand those kinds a schema without their indexes
("Table ... has no index: state-index", a 500 on the admin's request list)."""

from __future__ import annotations

from collections.abc import Iterator

from pynamodb.models import Model

import app  # noqa: F401  (every context's models, bound to their tables)
from chalicelib.core.dynamo import bound_models


def _with_subclasses(model: type[Model]) -> Iterator[type[Model]]:
    yield model
    for subclass in model.__subclasses__():
        yield from _with_subclasses(subclass)


def test_every_model_and_kind_queries_only_indexes_its_connection_knows() -> None:
    checked = 0
    for bound in bound_models():
        for model in _with_subclasses(bound):
            meta = model._get_connection().get_meta_table()
            for name in model._indexes:
                assert meta.has_index_name(name), f"{model.__name__}: {name}"
                checked += 1
    assert checked >= 2  # the requests table's two, at least
