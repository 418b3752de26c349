"""The store: one interface over SQLite (default) and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from types import TracebackType

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from crible.model.errors import StoreError
from crible.model.signals import SignalType, VideoFrame
from crible.store import migrate
from crible.store.banks import (
    BankRepository,
    enabled_entries,
    enabled_entry_query,
    enabled_videos,
)
from crible.store.engine import make_engine, resolve_url
from crible.store.scans import ScanRepository
from crible.store.sql import batched
from crible.store.tables import bank_entries

ExactHit = tuple[int, int, str, str, str | None, str | None, str]
"""(entry id, bank id, bank name, value, scheme, code, signal type)."""


class Store:
    """Persistence for banks, media, scans and matches, behind one interface."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.banks = BankRepository(engine)
        self.scans = ScanRepository(engine)

    @classmethod
    def open(cls, url: str | None = None, *, upgrade: bool = True) -> Store:
        """Open the store at ``url`` (default: $CRIBLE_DB or ./crible.db), migrating it."""
        resolved = resolve_url(url)
        engine = make_engine(resolved)
        try:
            if upgrade:
                migrate.upgrade(engine)
            elif migrate.current_revision(engine) != migrate.head_revision():
                raise StoreError(f"the store at {resolved} needs `crible db upgrade`")
        except OperationalError as exc:
            engine.dispose()
            raise StoreError(f"cannot open the store at {engine.url!r}: {exc.orig}") from exc
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
