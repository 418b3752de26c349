"""Scan runs and chat-export ingests as their lists show them, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from crible.store.columns import as_utc
from crible.store.read.scope import Reader
from crible.store.tables import ingest_problems, ingests, scan_items, scan_runs


@dataclass(frozen=True)
class ScanListing:
    """A scan run with the number of items it recorded."""

    id: int
    roots: str
    """As stored: a JSON list of roots, or (older runs) one root."""
    status: str
    owner: str | None
    started_at: datetime | None
    finished_at: datetime | None
    item_count: int


@dataclass(frozen=True)
class IngestListing:
    """An ingest with the number of records it rejected (notes rejected nothing)."""

    id: int
    platform: str
    format: str
    path: str
    status: str
    started_at: datetime | None
    problems: int


class RunRows(Reader):
    """Scan runs and ingests, read on one connection."""

    def scans(self) -> list[ScanListing]:
        """Every scan run, newest first."""
        counts: dict[int, int] = dict(
            self.rows(select(scan_items.c.scan_id, func.count()).group_by(scan_items.c.scan_id))
        )
        return [
            ScanListing(
                r.id,
                r.roots,
                r.status,
                r.owner,
                as_utc(r.started_at),
                as_utc(r.finished_at),
                counts.get(r.id, 0),
            )
            for r in self.rows(select(scan_runs).order_by(scan_runs.c.id.desc()))
        ]

    def ingests(self) -> list[IngestListing]:
        """Every ingest, newest first."""
        problems: dict[int, int] = dict(
            self.rows(
                select(ingest_problems.c.ingest_id, func.count())
                .where(ingest_problems.c.note.is_(False))  # notes rejected nothing
                .group_by(ingest_problems.c.ingest_id)
            )
        )
        return [
            IngestListing(
                r.id,
                r.platform,
                r.format,
                r.path,
                r.status,
                as_utc(r.started_at),
                problems.get(r.id, 0),
            )
            for r in self.rows(select(ingests).order_by(ingests.c.id.desc()))
        ]
