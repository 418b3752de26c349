"""The store: one interface over SQLite (default) and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from types import TracebackType

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from crible.model.errors import NoStore, StoreUnavailable
from crible.model.signals import SignalType, VideoFrame
from crible.store import migrate
from crible.store.banks import (
    BankRepository,
    enabled_entries,
    enabled_entry_query,
    enabled_videos,
)
from crible.store.engine import MAKE_ONE, make_engine, open_problem, resolve_url, shown
from crible.store.scans import ScanRepository
from crible.store.sql import batched
from crible.store.tables import bank_entries


def _check_revision(engine: Engine, where: str) -> None:
    """Refuse a store whose schema is missing or not the one this crible knows."""
    current, head = migrate.current_revision(engine), migrate.head_revision()
    if current is None:
        raise NoStore(f"there is no crible store in {where}: {MAKE_ONE}")
    if current != head:
        known = set(migrate.known_revisions())
        age = "older" if current in known else "newer"
        advice = (
            "`crible db upgrade` migrates it (on a writable copy: opening it to read never "
            "changes it)"
            if age == "older"
            else "use the crible that made it"
        )
        raise StoreUnavailable(
            f"the store at {where} has schema revision {current}, {age} than this crible's "
            f"({head}): {advice}"
        )


ExactHit = tuple[int, int, str, str, str | None, str | None, str]
"""(entry id, bank id, bank name, value, scheme, code, signal type)."""


class Store:
    """Persistence for banks, media, scans and matches, behind one interface."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.banks = BankRepository(engine)
        self.scans = ScanRepository(engine)

    @classmethod
    def open(cls, url: str | None = None, *, upgrade: bool = True, readonly: bool = False) -> Store:
        """Open the store at ``url`` (default: $CRIBLE_DB or ./crible.db), migrating it.

        ``readonly`` opens an existing store without ever writing to it (a write-blocked
        evidence copy works): it is not created, not migrated, and refused if its schema
        is not the one this crible knows.
        """
        resolved = resolve_url(url)
        engine = make_engine(resolved, readonly=readonly)
        where = shown(engine.url)
        try:
            if upgrade and not readonly:
                migrate.upgrade(engine)
            else:
                _check_revision(engine, where)
        except DBAPIError as exc:
            engine.dispose()
            raise open_problem(where, exc) from exc
        except StoreUnavailable:
            engine.dispose()
            raise
        return cls(engine)

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def close(self) -> None:
        """Release every connection."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def enabled_entries(
        self, signal_type: SignalType
    ) -> Iterator[tuple[int, int, str, str, str | None, str | None]]:
        """Stream the entries of enabled banks for one signal type."""
        with self.engine.connect() as conn:
            yield from enabled_entries(conn, signal_type)

    def enabled_videos(
        self,
    ) -> Iterator[tuple[int, int, str, str, str | None, str | None, tuple[VideoFrame, ...]]]:
        """Stream the video (vPDQ) entries of enabled banks, each with its frames."""
        with self.engine.connect() as conn:
            yield from enabled_videos(conn)

    def exact_lookup(self, pairs: Iterable[tuple[SignalType, str]]) -> Iterator[ExactHit]:
        """Entries of enabled banks equal to any of the (type, value) pairs."""
        by_type: dict[str, set[str]] = {}
        for signal_type, value in pairs:
            by_type.setdefault(str(signal_type), set()).add(value)
        with self.engine.connect() as conn:
            for type_name, values in by_type.items():
                for chunk in batched(sorted(values), 500):
                    query = enabled_entry_query(bank_entries.c.signal_type).where(
                        bank_entries.c.signal_type == type_name,
                        bank_entries.c.value.in_(chunk),
                    )
                    for row in conn.execute(query):
                        yield (row[0], row[1], row[2], row[3], row[4], row[5], row[6])
