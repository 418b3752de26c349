"""Small SQL helpers that differ between SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any, TypeVar

from sqlalchemy import Connection, CursorResult, Select, String, Table, cast, func, literal
from sqlalchemy.dialects import postgresql, sqlite

T = TypeVar("T")


def insert_ignoring_duplicates(
    conn: Connection, table: Table, rows: Sequence[dict[str, Any]], *, keys: Sequence[str]
) -> None:
    """INSERT rows, silently skipping those that violate the unique ``keys``."""
    if not rows:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table).on_conflict_do_nothing(index_elements=list(keys))
    conn.execute(stmt, list(rows))


def upsert(
    conn: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    keys: Sequence[str],
    update: Sequence[str],
) -> None:
    """INSERT rows; where one exists with the same unique ``keys``, set its ``update`` columns."""
    if not rows:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=list(keys), set_={name: stmt.excluded[name] for name in update}
    )
    conn.execute(stmt, list(rows))


def new_id(result: CursorResult[Any]) -> int:
    """The primary key of the row an INSERT created."""
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Split a stream into lists of at most ``size`` items."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def streamed(conn: Connection, query: Select[Any], batch: int = 5000) -> Iterator[Any]:
    """The rows of ``query`` fetched ``batch`` at a time (server-side where the backend can),
    so that a large result never sits in memory whole."""
    yield from conn.execution_options(yield_per=batch).execute(query)


def text_values(conn: Connection, values: Sequence[str]) -> Any:
    """A table of ``values`` (one column, ``value``) passed as one JSON parameter, so that a
    query can join or filter on thousands of values without one parameter each."""
    document = literal(json.dumps(list(values)), String)
    if conn.dialect.name == "postgresql":
        return func.json_array_elements_text(cast(document, postgresql.JSON)).table_valued("value")
    return func.json_each(document).table_valued("value")
