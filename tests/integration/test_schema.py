"""The migrations build exactly the schema the code declares, on both backends."""

from __future__ import annotations

import importlib
import pkgutil

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import crible.store
from crible.store import Store
from crible.store.tables import metadata


def _declared() -> None:
    """Import every module of crible.store so that all its tables join ``metadata``."""
    for module in pkgutil.iter_modules(crible.store.__path__):
        importlib.import_module(f"crible.store.{module.name}")


def test_migrations_match_the_declared_tables(store: Store) -> None:
    _declared()
    with store.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": False}
        )
        differences = [
            d
            for d in compare_metadata(context, metadata)
            if not (
                isinstance(d, tuple) and d[0] == "remove_table" and d[1].name == "alembic_version"
            )
        ]
    assert differences == []
