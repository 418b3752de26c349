"""The one place where a query of investigation data is limited to what its reader may see.

Chats, messages, accounts, media, scans, ingests, matches and review decisions will belong to
an investigation; banks and users stay store-wide. Today a scope is the whole store, so
``scoped`` returns the query unchanged; the investigations work gives ``Scope`` its
investigation and ``scoped`` its filter, here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Connection, Select

from crible.store.sql import streamed

if TYPE_CHECKING:
    from crible.store import Store

Q = TypeVar("Q", bound=Select[Any])
R = TypeVar("R", bound="Reader")


@dataclass(frozen=True)
class Scope:
    """Which investigation's data a query sees (today: all of the store's)."""


WHOLE_STORE = Scope()


def scoped(query: Q, scope: Scope = WHOLE_STORE) -> Q:
    """``query`` limited to ``scope`` (today the whole store: the query unchanged)."""
    return query


class Reader:
    """A read model bound to one connection: every query it runs is scoped."""

    def __init__(self, conn: Connection, scope: Scope = WHOLE_STORE) -> None:
        self.conn = conn
        self.scope = scope

    @classmethod
    @contextmanager
    def of(cls: type[R], store: Store, scope: Scope = WHOLE_STORE) -> Iterator[R]:
        """A reader on a fresh connection to ``store``, closed when the block ends."""
        with store.engine.connect() as conn:
            yield cls(conn, scope)

    def stream(self, query: Select[Any], batch: int = 5000) -> Iterator[Any]:
        """The rows of the scoped ``query``, fetched ``batch`` at a time."""
        return streamed(self.conn, scoped(query, self.scope), batch)

    def rows(self, query: Select[Any]) -> list[Any]:
        """Every row of the scoped ``query``."""
        return list(self.conn.execute(scoped(query, self.scope)))

    def scalar(self, query: Select[Any]) -> Any:
        """The first column of the first row of the scoped ``query`` (None if no row)."""
        return self.conn.execute(scoped(query, self.scope)).scalar()
