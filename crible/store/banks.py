"""Persistence of banks, their entries and their imports."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Any

from sqlalchemy import Connection, Engine, Select, exists, func, select, update
from sqlalchemy.exc import IntegrityError

from crible.model.banks import Bank, BankStats, HashEntry, ImportReport, RejectedLine
from crible.model.errors import Conflict, InvalidList, NotFound
from crible.model.signals import SignalType, VideoFrame
from crible.store.columns import bank_from_row, bank_values, entry_from_row, now
from crible.store.review_tables import suppressed_entries
from crible.store.sql import batched, insert_ignoring_duplicates, new_id
from crible.store.tables import (
    bank_entries,
    bank_imports,
    bank_video_frames,
    banks,
    import_rejections,
)

BATCH = 2000
_FRAME_COLUMNS = (
    bank_video_frames.c.frame_number,
    bank_video_frames.c.timestamp,
    bank_video_frames.c.pdq,
    bank_video_frames.c.quality,
)


class BankRepository:
    """Banks and their entries in the store."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def create(self, bank: Bank) -> Bank:
        """Add a new bank; raises Conflict if the name is taken."""
        try:
            with self.engine.begin() as conn:
                return self._create(conn, bank)
        except IntegrityError as exc:
            raise Conflict(f"a bank named {bank.name!r} already exists") from exc

    def get(self, name: str) -> Bank:
        """The bank of that name, or NotFound."""
        with self.engine.connect() as conn:
            return self._get(conn, name)

    def all(self) -> list[Bank]:
        """All banks, by name."""
        with self.engine.connect() as conn:
            return [bank_from_row(r) for r in conn.execute(select(banks).order_by(banks.c.name))]

    def set_enabled(self, name: str, enabled: bool) -> Bank:
        """Enable or disable matching against a bank."""
        with self.engine.begin() as conn:
            bank = self._get(conn, name)
            conn.execute(update(banks).where(banks.c.id == bank.id).values(enabled=enabled))
            return self._get(conn, name)

    def delete(self, name: str) -> int:
        """Delete a bank with its entries, imports and matches; returns the entries removed."""
        with self.engine.begin() as conn:
            bank = self._get(conn, name)
            count = self._count(conn, bank)
            conn.execute(banks.delete().where(banks.c.id == bank.id))
            return count

    def stats(self, name: str) -> BankStats:
        """Counts of a bank's entries by signal type and category."""
        with self.engine.connect() as conn:
            bank = self._get(conn, name)
            by_type = conn.execute(
                select(bank_entries.c.signal_type, func.count())
                .where(bank_entries.c.bank_id == bank.id)
                .group_by(bank_entries.c.signal_type)
            )
            by_cat = conn.execute(
                select(bank_entries.c.category_scheme, bank_entries.c.category_code, func.count())
                .where(bank_entries.c.bank_id == bank.id)
                .group_by(bank_entries.c.category_scheme, bank_entries.c.category_code)
            )
            imports = conn.scalar(
                select(func.count())
                .select_from(bank_imports)
                .where(bank_imports.c.bank_id == bank.id)
            )
            types = {str(t): int(n) for t, n in by_type}
            cats = {(f"{s} {c}" if s else "uncategorised"): int(n) for s, c, n in by_cat}
            return BankStats(bank, sum(types.values()), types, cats, int(imports or 0))

    def entries(self, name: str) -> Iterator[HashEntry]:
        """Stream a bank's entries in insertion order, video entries with their frames."""
        bank = self.get(name)
        with self.engine.connect() as conn:
            result = conn.execution_options(yield_per=BATCH).execute(
                select(bank_entries)
                .where(bank_entries.c.bank_id == bank.id)
                .order_by(bank_entries.c.id)
            )
            for chunk in batched(map(entry_from_row, result), BATCH):
                frames = self._frames([e.id for e in chunk if e.signal_type is SignalType.VPDQ])
                for entry in chunk:
                    found = frames.get(entry.id)
                    yield entry if found is None else replace(entry, frames=tuple(found))

    def _frames(self, entry_ids: list[int | None]) -> dict[int | None, list[VideoFrame]]:
        """The frames of some video entries, in one query."""
        frames: dict[int | None, list[VideoFrame]] = {}
        if not entry_ids:
            return frames
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(bank_video_frames.c.entry_id, *_FRAME_COLUMNS)
                .where(bank_video_frames.c.entry_id.in_(entry_ids))
                .order_by(bank_video_frames.c.entry_id, bank_video_frames.c.frame_number)
            )
            for entry_id, *frame in rows:
                frames.setdefault(entry_id, []).append(VideoFrame(*frame))
        return frames

    def import_list(
        self,
        bank: Bank,
        items: Iterable[HashEntry | RejectedLine],
        *,
        source: str,
        source_sha256: str | None,
        fmt: str,
        strict: bool,
    ) -> ImportReport:
        """Import a parsed hash list into ``bank`` (created if new) in one transaction.

        Entries already in the bank are counted, not added again. Rejected lines are
        recorded with the import; with ``strict`` the first one aborts everything.
        """
        with self.engine.begin() as conn:
            target = self._get_or_create(conn, bank)
            before = self._count(conn, target)
            import_id = new_id(
                conn.execute(
                    bank_imports.insert().values(
                        bank_id=target.id,
                        source=source,
                        source_sha256=source_sha256,
                        format=fmt,
                        strict=strict,
                        imported_at=now(),
                        added=0,
                        already_present=0,
                        rejected=0,
                    )
                )
            )
            rejected: list[RejectedLine] = []
            accepted = 0
            for chunk in batched(items, BATCH):
                rows = []
                for item in chunk:
                    if isinstance(item, RejectedLine):
                        if strict:
                            raise InvalidList(item.reason, source=source, line=item.line)
                        rejected.append(item)
                    else:
                        rows.append(_entry_values(target, item, import_id))
                accepted += len(rows)
                insert_ignoring_duplicates(
                    conn, bank_entries, _unique_rows(rows), keys=("bank_id", "signal_type", "value")
                )
                self._store_frames(
                    conn, target, [e for e in chunk if isinstance(e, HashEntry) and e.frames]
                )
            added = self._count(conn, target) - before
            self._finish_import(conn, import_id, added, accepted - added, rejected)
            return ImportReport(
                bank=target.name,
                source=source,
                format=fmt,
                added=added,
                already_present=accepted - added,
                rejected=tuple(rejected),
                import_id=import_id,
            )

    def _store_frames(self, conn: Connection, bank: Bank, videos: list[HashEntry]) -> None:
        """The frames of video entries, for those that do not have them yet."""
        for entry in videos:
            entry_id = conn.scalar(
                select(bank_entries.c.id).where(
                    bank_entries.c.bank_id == bank.id,
                    bank_entries.c.signal_type == str(entry.signal_type),
                    bank_entries.c.value == entry.value,
                )
            )
            insert_ignoring_duplicates(
                conn,
                bank_video_frames,
                [
                    {
                        "entry_id": entry_id,
                        "frame_number": f.number,
                        "timestamp": f.timestamp,
                        "pdq": f.pdq,
                        "quality": f.quality,
                    }
                    for f in entry.frames
                ],
                keys=("entry_id", "frame_number"),
            )

    def _finish_import(
        self,
        conn: Connection,
        import_id: int,
        added: int,
        present: int,
        rejected: list[RejectedLine],
    ) -> None:
        conn.execute(
            update(bank_imports)
            .where(bank_imports.c.id == import_id)
            .values(added=added, already_present=present, rejected=len(rejected))
        )
        for chunk in batched(rejected, BATCH):
            conn.execute(
                import_rejections.insert(),
                [
                    {
                        "import_id": import_id,
                        "line": r.line,
                        "reason": r.reason,
                        "text": r.text[:500],
                    }
                    for r in chunk
                ],
            )

    def _create(self, conn: Connection, bank: Bank) -> Bank:
        conn.execute(banks.insert().values(**bank_values(bank)))
        return self._get(conn, bank.name)

    def _get_or_create(self, conn: Connection, bank: Bank) -> Bank:
        row = conn.execute(select(banks).where(banks.c.name == bank.name)).first()
        return bank_from_row(row) if row is not None else self._create(conn, bank)

    def _get(self, conn: Connection, name: str) -> Bank:
        row = conn.execute(select(banks).where(banks.c.name == name)).first()
        if row is None:
            raise NotFound(f"no bank named {name!r}")
        return bank_from_row(row)

    def _count(self, conn: Connection, bank: Bank) -> int:
        query = select(func.count()).select_from(bank_entries)
        return int(conn.scalar(query.where(bank_entries.c.bank_id == bank.id)) or 0)


def _entry_values(bank: Bank, entry: HashEntry, import_id: int) -> dict[str, Any]:
    category = entry.category
    return {
        "bank_id": bank.id,
        "signal_type": str(entry.signal_type),
        "value": entry.value,
        "category_scheme": category.scheme if category else None,
        "category_code": category.code if category else None,
        "external_id": entry.external_id,
        "import_id": import_id,
    }


def _unique_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop repeats within one batch (PostgreSQL refuses them in one INSERT ... ON CONFLICT)."""
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        seen.setdefault((row["signal_type"], row["value"]), row)
    return list(seen.values())


def enabled_entry_query(*more: Any) -> Select[Any]:
    """SELECT (entry id, bank id, bank name, value, scheme, code, *more) over enabled banks,
    leaving out the entries a reviewer's rejection suppressed."""
    return (
        select(
            bank_entries.c.id,
            banks.c.id,
            banks.c.name,
            bank_entries.c.value,
            bank_entries.c.category_scheme,
            bank_entries.c.category_code,
            *more,
        )
        .join(banks, banks.c.id == bank_entries.c.bank_id)
        .where(banks.c.enabled.is_(True))
        .where(~exists().where(suppressed_entries.c.entry_id == bank_entries.c.id))
    )


def enabled_entries(
    conn: Connection, signal_type: SignalType
) -> Iterator[tuple[int, int, str, str, str | None, str | None]]:
    """(entry id, bank id, bank name, value, scheme, code) of enabled banks, for one type."""
    query = (
        enabled_entry_query()
        .where(bank_entries.c.signal_type == str(signal_type))
        .order_by(bank_entries.c.id)
    )
    for row in conn.execution_options(yield_per=BATCH).execute(query):
        yield row[0], row[1], row[2], row[3], row[4], row[5]


def enabled_videos(
    conn: Connection,
) -> Iterator[tuple[int, int, str, str, str | None, str | None, tuple[VideoFrame, ...]]]:
    """(entry id, bank id, bank name, value, scheme, code, frames) of enabled video entries."""
    query = (
        enabled_entry_query(*_FRAME_COLUMNS)
        .join(bank_video_frames, bank_video_frames.c.entry_id == bank_entries.c.id)
        .where(bank_entries.c.signal_type == str(SignalType.VPDQ))
        .order_by(bank_entries.c.id, bank_video_frames.c.frame_number)
    )
    current: list[Any] | None = None
    frames: list[VideoFrame] = []
    for row in conn.execution_options(yield_per=BATCH).execute(query):
        if current is not None and current[0] != row[0]:
            yield (*current, tuple(frames))  # type: ignore[misc]
            frames = []
        current = list(row[:6])
        frames.append(VideoFrame(row[6], row[7], row[8], row[9]))
    if current is not None:
        yield (*current, tuple(frames))  # type: ignore[misc]
