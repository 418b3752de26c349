"""Shared state of one CLI invocation: the store, opened lazily."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from crible.store import Store

F = TypeVar("F", bound=Callable[..., Any])


class App:
    """What commands share: the store URL and the opened store."""

    def __init__(self, db_url: str | None):
        self.db_url = db_url
        self._store: Store | None = None
        self._reader: Store | None = None

    def store(self, default: str | None = None) -> Store:
        """Open (create or migrate) the store, for a command that changes it: --db, else
        ``default``, else $CRIBLE_DB, else ./crible.db."""
        if self._store is None:
            self._store = Store.open(self.db_url or default)
        return self._store

    def reader(self) -> Store:
        """Open the store read-only, for a command that only shows: never created, never
        migrated, never written (a write-blocked copy works)."""
        if self._store is not None:
            return self._store
        if self._reader is None:
            self._reader = Store.open(self.db_url, readonly=True)
        return self._reader

    def close(self) -> None:
        for opened in (self._store, self._reader):
            if opened is not None:
                opened.close()


pass_app = click.make_pass_decorator(App)


class CompletedWithErrors(click.exceptions.Exit):
    """The command did its work but rejected some input (exit status 3)."""

    def __init__(self) -> None:
        super().__init__(3)
