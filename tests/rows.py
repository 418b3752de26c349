"""Counting rows in the store, for tests that check nothing was lost or duplicated."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, FromClause, Table, func, select

from crible.model.signals import VideoFrame
from crible.store import Store
from crible.store.read.perceptual import PerceptualHashes
from crible.store.tables import media, media_signals


def count_rows(store: Store, table: Table) -> int:
    """How many rows ``table`` holds."""
    with store.engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(table)) or 0)


def media_pdq() -> tuple[FromClause, ColumnElement[Any]]:
    """``media`` outer-joined to each file's whole-file PDQ signal, and that PDQ's column
    (None for a file without one), for tests that read the hashes a scan stored."""
    pdq = media_signals.alias("whole_pdq")
    joined = media.outerjoin(
        pdq, (pdq.c.sha256 == media.c.sha256) & (pdq.c.kind == "pdq") & (pdq.c.locator == "")
    )
    return joined, pdq.c.value


def stored_frames(store: Store, sha256: str | None = None) -> list[tuple[str, VideoFrame]]:
    """(SHA-256, frame) of the stored video frames (of one file if given), in time order."""
    with store.engine.connect() as conn:
        found = [(s, f) for s, f in PerceptualHashes(conn).video_frames() if sha256 in (None, s)]
    return sorted(found, key=lambda item: (item[0], item[1].timestamp))
