"""Counting rows in the store, for tests that check nothing was lost or duplicated."""

from __future__ import annotations

from sqlalchemy import Table, func, select

from crible.store import Store


def count_rows(store: Store, table: Table) -> int:
    """How many rows ``table`` holds."""
    with store.engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(table)) or 0)
