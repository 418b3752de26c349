"""Persistence of review decisions, suppressed entries and what the review queue reads."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection, Row, exists, func, select

from crible.model.categories import Category
from crible.model.decisions import Decision, Verdict
from crible.store.columns import as_utc, category_of, now
from crible.store.media_signals import whole_file_pdq
from crible.store.review_tables import review_decisions, suppressed_entries
from crible.store.sql import batched, insert_ignoring_duplicates, new_id
from crible.store.tables import (
    bank_entries,
    banks,
    matches,
    media,
    media_locations,
    media_videos,
    message_media,
    messages,
)


@dataclass(frozen=True)
class MatchedEntry:
    """One match of a file, as the review queue shows it."""

    match_id: int
    entry_id: int
    bank: str
    category: Category | None
    suppressed: bool


def decision_from_row(row: Row[Any]) -> Decision:
    """A Decision from a row of ``review_decisions``."""
    m = row._mapping
    decided_at = as_utc(m["decided_at"])
    assert decided_at is not None
    return Decision(
        id=m["id"],
        sha256=m["sha256"],
        verdict=Verdict(m["verdict"]),
        reviewer=m["reviewer"],
        decided_at=decided_at,
        category=category_of(m["category_scheme"], m["category_code"]),
        entry_id=m["entry_id"],
        note=m["note"],
    )


def add_decision(
    conn: Connection,
    sha256: str,
    verdict: Verdict,
    reviewer: str,
    category: Category | None,
    entry_id: int | None,
    note: str,
) -> Decision:
    """Append one decision row and return it."""
    values = {
        "sha256": sha256,
        "verdict": str(verdict),
        "reviewer": reviewer,
        "decided_at": now(),
        "category_scheme": category.scheme if category else None,
        "category_code": category.code if category else None,
        "entry_id": entry_id,
        "note": note,
    }
    decision_id = new_id(conn.execute(review_decisions.insert().values(**values)))
    row = conn.execute(select(review_decisions).where(review_decisions.c.id == decision_id)).one()
    return decision_from_row(row)


def suppress(conn: Connection, entry_ids: Iterable[int], decision_id: int) -> None:
    """Mark entries as suppressed for matching (an entry suppressed once stays suppressed)."""
    stamp = now()
    rows = [
        {"entry_id": e, "decision_id": decision_id, "suppressed_at": stamp}
        for e in sorted(set(entry_ids))
    ]
    insert_ignoring_duplicates(conn, suppressed_entries, rows, keys=("entry_id",))


def is_suppressed(entry_id_column: Any) -> Any:
    """SQL condition: the entry in ``entry_id_column`` was suppressed by a rejection."""
    return exists().where(suppressed_entries.c.entry_id == entry_id_column)


def media_known(conn: Connection, sha256: str) -> bool:
    """Whether the store holds a media file with this SHA-256."""
    return conn.scalar(select(func.count()).where(media.c.sha256 == sha256)) == 1


def matched_files(conn: Connection, sha256s: Iterable[str]) -> dict[str, list[MatchedEntry]]:
    """The matches of each of these files (a page of the review queue), by match id."""
    query = (
        select(
            matches.c.sha256,
            matches.c.id,
            matches.c.entry_id,
            banks.c.name,
            bank_entries.c.category_scheme,
            bank_entries.c.category_code,
            is_suppressed(matches.c.entry_id),
        )
        .join(bank_entries, bank_entries.c.id == matches.c.entry_id)
        .join(banks, banks.c.id == matches.c.bank_id)
        .order_by(matches.c.sha256, matches.c.id)
    )
    found: dict[str, list[MatchedEntry]] = {}
    for chunk in batched(sorted(set(sha256s)), 500):
        for sha, match_id, entry_id, bank, scheme, code, suppressed in conn.execute(
            query.where(matches.c.sha256.in_(chunk))
        ):
            found.setdefault(sha, []).append(
                MatchedEntry(match_id, entry_id, bank, category_of(scheme, code), bool(suppressed))
            )
    return found


def matched_entries(conn: Connection, sha256: str) -> list[MatchedEntry]:
    """The matches of one file."""
    query = (
        select(
            matches.c.id,
            matches.c.entry_id,
            banks.c.name,
            bank_entries.c.category_scheme,
            bank_entries.c.category_code,
            is_suppressed(matches.c.entry_id),
        )
        .join(bank_entries, bank_entries.c.id == matches.c.entry_id)
        .join(banks, banks.c.id == matches.c.bank_id)
        .where(matches.c.sha256 == sha256)
        .order_by(matches.c.id)
    )
    return [
        MatchedEntry(i, e, b, category_of(s, c), bool(x))
        for i, e, b, s, c, x in conn.execute(query)
    ]


def decisions_by_file(
    conn: Connection, sha256s: Iterable[str] | None = None
) -> dict[str, list[Decision]]:
    """Decisions, oldest first, grouped by file (all files when ``sha256s`` is None)."""
    found: dict[str, list[Decision]] = {}
    query = select(review_decisions).order_by(review_decisions.c.id)
    chunks: Iterable[list[str] | None] = (
        [None] if sha256s is None else batched(sorted(set(sha256s)), 500)
    )
    for chunk in chunks:
        q = query if chunk is None else query.where(review_decisions.c.sha256.in_(chunk))
        for row in conn.execute(q):
            decision = decision_from_row(row)
            found.setdefault(decision.sha256, []).append(decision)
    return found


def get_decision(conn: Connection, decision_id: int) -> Decision | None:
    """One decision by id."""
    row = conn.execute(
        select(review_decisions).where(review_decisions.c.id == decision_id)
    ).one_or_none()
    return None if row is None else decision_from_row(row)


def videos_among(conn: Connection, sha256s: Iterable[str]) -> set[str]:
    """Which of the files are videos."""
    found: set[str] = set()
    for chunk in batched(sorted(set(sha256s)), 500):
        found.update(
            conn.scalars(select(media_videos.c.sha256).where(media_videos.c.sha256.in_(chunk)))
        )
    return found


def rejections(conn: Connection, bank: str | None) -> Iterator[Decision]:
    """Each entry a rejection suppressed, as that decision about that entry (by decision id)."""
    query = (
        select(review_decisions, suppressed_entries.c.entry_id.label("suppressed_entry"))
        .join(suppressed_entries, suppressed_entries.c.decision_id == review_decisions.c.id)
        .join(bank_entries, bank_entries.c.id == suppressed_entries.c.entry_id)
        .join(banks, banks.c.id == bank_entries.c.bank_id)
        .order_by(review_decisions.c.id, suppressed_entries.c.entry_id)
    )
    if bank is not None:
        query = query.where(banks.c.name == bank)
    for row in conn.execute(query):
        yield replace(decision_from_row(row), entry_id=row._mapping["suppressed_entry"])


def media_facts(conn: Connection, sha256: str) -> dict[str, Any] | None:
    """The stored hashes and facts of one file."""
    row = conn.execute(select(media).where(media.c.sha256 == sha256)).one_or_none()
    if row is None:
        return None
    return dict(row._mapping) | {"pdq": whole_file_pdq(conn, sha256)}


def file_name(conn: Connection, sha256: str) -> str | None:
    """A name the file was seen under: from a chat export, else from a scanned folder."""
    name = conn.scalar(
        select(message_media.c.file_name)
        .where(message_media.c.sha256 == sha256, message_media.c.file_name.is_not(None))
        .order_by(message_media.c.id)
        .limit(1)
    )
    if name:
        return str(name)
    display = conn.scalar(
        select(media_locations.c.display)
        .where(media_locations.c.sha256 == sha256)
        .order_by(media_locations.c.id)
        .limit(1)
    )
    return None if display is None else str(display).replace("\\", "/").rsplit("/", 1)[-1]


def posted_by(conn: Connection, sha256: str) -> tuple[int, ...]:
    """Accounts that posted the file in an ingested chat, in order of first posting."""
    query = (
        select(messages.c.sender_id, func.min(messages.c.id))
        .join(message_media, message_media.c.message_id == messages.c.id)
        .where(message_media.c.sha256 == sha256, messages.c.sender_id.is_not(None))
        .group_by(messages.c.sender_id)
        .order_by(func.min(messages.c.id))
    )
    return tuple(int(r[0]) for r in conn.execute(query))
