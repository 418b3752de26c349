"""The store: one interface over SQLite (default) and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType

from sqlalchemy import Engine, func, select
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
from crible.store.review_tables import suppressed_entries
from crible.store.scans import ScanRepository
from crible.store.settings import read_setting
from crible.store.sql import batched
from crible.store.tables import bank_entries, banks


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

    def bank_fingerprint(self) -> tuple[int, ...]:
        """(entries, highest entry id, sum of entry ids, enabled banks, suppressed entries,
        highest suppressed id) of the enabled banks: changes whenever the lists do, or a
        reviewer's rejection suppresses an entry."""
        with self.engine.connect() as conn:
            entries = conn.execute(
                select(
                    func.count(),
                    func.coalesce(func.max(bank_entries.c.id), 0),
                    func.coalesce(func.sum(bank_entries.c.id), 0),
                )
                .select_from(bank_entries)
                .join(banks, banks.c.id == bank_entries.c.bank_id)
                .where(banks.c.enabled.is_(True))
            ).one()
            enabled = conn.execute(
                select(func.coalesce(func.sum(banks.c.id), 0)).where(banks.c.enabled.is_(True))
            ).scalar_one()
            suppressed = conn.execute(
                select(func.count(), func.coalesce(func.max(suppressed_entries.c.entry_id), 0))
            ).one()
        return (*(int(x) for x in entries), int(enabled), *(int(x) for x in suppressed))

    def setting(self, name: str) -> str | None:
        """A store setting's value, None if it was never set."""
        return read_setting(self.engine, name)

    def sqlite_file(self) -> Path | None:
        """The SQLite file the store lives in (None for PostgreSQL or a memory store)."""
        url = self.engine.url
        if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
            return None
        return Path(url.database)

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
