"""Persistence behind one interface: SQLite by default, PostgreSQL for teams."""

from crible.store.store import Store

__all__ = ["Store"]
