"""Removing what one ingest or one scan brought, inside the caller's transaction.

What another run also brought stays, with that run's provenance: a message another export
carries, an account or chat another export created, a file another scan saw or a kept
message carries. Set operations (EXCEPT) keep each step one pass over its tables."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    bindparam,
    delete,
    except_,
    func,
    select,
    tuple_,
    update,
)

from crible.model.errors import EvidenceInUse, NotFound, UserError
from crible.model.undo import Removal
from crible.store.case_tables import case_evidence, case_suspects, cases, identities
from crible.store.review_tables import review_decisions
from crible.store.sql import batched
from crible.store.tables import (
    accounts,
    chats,
    ingests,
    matches,
    media,
    media_locations,
    membership_events,
    message_media,
    message_sources,
    messages,
    reactions,
    scan_items,
    scan_runs,
)

BATCH = 500


def ingest_scan(conn: Connection, ingest_id: int) -> int | None:
    """The scan that hashed an ingest's media (None if it carried none); NotFound if no ingest."""
    row = conn.execute(select(ingests.c.scan_id).where(ingests.c.id == ingest_id)).first()
    if row is None:
        raise NotFound(f"no ingest {ingest_id}")
    return None if row[0] is None else int(row[0])


def scan_ingest(conn: Connection, scan_id: int) -> int | None:
    """The ingest whose media a scan hashed, if it was one."""
    found = conn.scalar(select(ingests.c.id).where(ingests.c.scan_id == scan_id).limit(1))
    return None if found is None else int(found)


def delete_ingest(conn: Connection, ingest_id: int) -> Removal:
    """Remove an ingest and what only it brought; EvidenceInUse if a case holds any of it."""
    scan_id = ingest_scan(conn, ingest_id)
    carried = select(message_sources.c.message_id).where(message_sources.c.ingest_id == ingest_id)
    _refuse_if_in_case(conn, f"ingest {ingest_id}", carried, _files_of(carried, scan_id))
    others = select(message_sources.c.message_id).where(message_sources.c.ingest_id != ingest_id)
    only = [int(i) for i in conn.scalars(except_(carried, others))]
    removal = Removal("ingest", ingest_id, messages_removed=len(only))
    removal.messages_kept = int(conn.scalar(_count(carried)) or 0) - len(only)
    chat_ids = _chats_of(conn, only)
    for chunk in batched(only, BATCH):
        conn.execute(delete(membership_events).where(membership_events.c.message_id.in_(chunk)))
        conn.execute(delete(messages).where(messages.c.id.in_(chunk)))
    _repoint_messages(conn, ingest_id)
    removal.media_refs_unlinked = _unlink_media(conn, ingest_id)
    removal.accounts_removed = _delete_accounts(conn, ingest_id)
    removal.chats_removed = _delete_empty_chats(conn, chat_ids)
    conn.execute(delete(ingests).where(ingests.c.id == ingest_id))
    if scan_id is not None:
        scan = delete_scan(conn, scan_id)
        removal.scans_removed = [scan_id]
        removal.media_removed, removal.media_kept = scan.media_removed, scan.media_kept
        removal.locations_removed = scan.locations_removed
        removal.matches_removed = scan.matches_removed
    return removal


def delete_scan(conn: Connection, scan_id: int) -> Removal:
    """Remove a scan run and the files, places and matches only it brought."""
    if conn.scalar(select(scan_runs.c.id).where(scan_runs.c.id == scan_id)) is None:
        raise NotFound(f"no scan run {scan_id}")
    seen = select(scan_items.c.sha256).where(
        scan_items.c.scan_id == scan_id, scan_items.c.sha256.is_not(None)
    )
    _refuse_if_in_case(conn, f"scan {scan_id}", None, seen)
    only = except_(
        seen,
        select(scan_items.c.sha256).where(scan_items.c.scan_id != scan_id),
        select(message_media.c.sha256),
    )
    decided = conn.scalar(
        select(review_decisions.c.sha256).where(review_decisions.c.sha256.in_(only)).limit(1)
    )
    if decided is not None:
        raise EvidenceInUse(
            f"scan {scan_id} cannot be deleted: reviewers decided on file {decided}, which "
            "only this scan brought (decisions are never removed)"
        )
    removal = Removal("scan", scan_id, scans_removed=[scan_id])
    removal.media_removed = int(conn.scalar(_count(only)) or 0)
    removal.media_kept = int(conn.scalar(_count(seen.distinct())) or 0) - removal.media_removed
    removal.matches_removed = int(
        conn.scalar(select(func.count()).select_from(matches).where(matches.c.sha256.in_(only)))
        or 0
    )
    removal.locations_removed = _drop_locations(conn, scan_id, only)
    conn.execute(delete(media).where(media.c.sha256.in_(only)))
    _repoint_first_scan(conn, scan_id)
    conn.execute(delete(scan_runs).where(scan_runs.c.id == scan_id))
    return removal


def _count(query: Any) -> Select[Any]:
    return select(func.count()).select_from(query.subquery())


def _files_of(carried: Select[Any], scan_id: int | None) -> Select[Any]:
    """Files an ingest's messages carry, and those its scan hashed."""
    files = select(message_media.c.sha256).where(
        message_media.c.message_id.in_(carried), message_media.c.sha256.is_not(None)
    )
    if scan_id is None:
        return files
    hashed = select(scan_items.c.sha256).where(scan_items.c.scan_id == scan_id)
    return select(files.union(hashed).subquery().c.sha256)


def _refuse_if_in_case(
    conn: Connection, what: str, carried: Select[Any] | None, files: Select[Any]
) -> None:
    """EvidenceInUse naming the case that holds one of the run's files, messages or senders."""
    held = select(cases.c.reference, case_evidence.c.kind, case_evidence.c.ref).join(
        cases, cases.c.id == case_evidence.c.case_id
    )
    row = conn.execute(held.where(case_evidence.c.sha256.in_(files)).limit(1)).first()
    found = None if row is None else (row[0], row[1], row[2])
    if found is None and carried is not None:
        refs = {
            int(ref): (reference, kind, ref)
            for reference, kind, ref in conn.execute(held.where(case_evidence.c.kind == "message"))
            if str(ref).isdigit()
        }
        for chunk in batched(sorted(refs), BATCH):
            hit = conn.scalar(carried.where(message_sources.c.message_id.in_(chunk)).limit(1))
            if hit is not None:
                found = refs[int(hit)]
                break
    if found is not None:
        reference, kind, ref = found
        raise EvidenceInUse(f"{what} cannot be deleted: case {reference} holds its {kind} {ref}")
    if carried is None:
        return
    senders = select(messages.c.sender_id).where(messages.c.id.in_(carried))
    suspect = conn.execute(
        select(cases.c.reference, case_suspects.c.account_id)
        .join(cases, cases.c.id == case_suspects.c.case_id)
        .where(case_suspects.c.account_id.in_(senders))
        .limit(1)
    ).first()
    if suspect is not None:
        raise EvidenceInUse(
            f"{what} cannot be deleted: case {suspect[0]} holds account {suspect[1]} as a "
            "suspect, who sent messages of this export"
        )


def _chats_of(conn: Connection, message_ids: list[int]) -> set[int]:
    found: set[int] = set()
    for chunk in batched(message_ids, BATCH):
        found.update(conn.scalars(select(messages.c.chat_id).where(messages.c.id.in_(chunk))))
    return found


def _repoint_messages(conn: Connection, ingest_id: int) -> None:
    """Kept messages first brought by this ingest are credited to their earliest other one."""
    earliest = conn.execute(
        select(message_sources.c.message_id, func.min(message_sources.c.ingest_id))
        .where(
            message_sources.c.ingest_id != ingest_id,
            message_sources.c.message_id.in_(
                select(messages.c.id).where(messages.c.first_ingest_id == ingest_id)
            ),
        )
        .group_by(message_sources.c.message_id)
    ).all()
    _set_by_id(conn, messages, "first_ingest_id", earliest)


def _unlink_media(conn: Connection, ingest_id: int) -> int:
    """A kept message's file that this export supplied is known from it alone: unlink it."""
    first = (
        select(messages.c.first_ingest_id)
        .where(messages.c.id == message_media.c.message_id)
        .scalar_subquery()
    )
    done = conn.execute(
        update(message_media)
        .where(message_media.c.ingest_id == ingest_id)
        .values(
            status="not_exported",
            sha256=None,
            location_key=None,
            reason=f"its file came from ingest {ingest_id}, since deleted: ingest the other "
            "export again to link its copy",
            ingest_id=first,
        )
    )
    return int(done.rowcount or 0)


def _delete_accounts(conn: Connection, ingest_id: int) -> int:
    """Accounts this ingest created that nothing refers to any more."""
    brought = select(accounts.c.id).where(accounts.c.first_ingest_id == ingest_id)
    referred = [
        select(messages.c.sender_id),
        select(messages.c.forwarded_account_id),
        select(messages.c.inviter_id),
        select(reactions.c.account_id),
        select(membership_events.c.account_id),
        select(membership_events.c.by_account_id),
        select(case_suspects.c.account_id),
        select(identities.c.account_id),
    ]
    orphans = [int(i) for i in conn.scalars(except_(brought, *referred))]
    for chunk in batched(orphans, BATCH):
        conn.execute(delete(accounts).where(accounts.c.id.in_(chunk)))
    earliest = conn.execute(
        select(messages.c.sender_id, func.min(message_sources.c.ingest_id))
        .join(message_sources, message_sources.c.message_id == messages.c.id)
        .where(messages.c.sender_id.in_(brought), message_sources.c.ingest_id != ingest_id)
        .group_by(messages.c.sender_id)
    ).all()
    _set_by_id(conn, accounts, "first_ingest_id", earliest)
    return len(orphans)


def _delete_empty_chats(conn: Connection, chat_ids: set[int]) -> int:
    removed = 0
    for chunk in batched(sorted(chat_ids), BATCH):
        empty = except_(
            select(chats.c.id).where(chats.c.id.in_(chunk)),
            select(messages.c.chat_id).where(messages.c.chat_id.in_(chunk)),
        )
        gone = [int(i) for i in conn.scalars(empty)]
        if gone:
            conn.execute(delete(chats).where(chats.c.id.in_(gone)))
            removed += len(gone)
    return removed


def _drop_locations(conn: Connection, scan_id: int, only: Any) -> int:
    """Places only this scan saw (no other scan, no kept message), of files that stay; the
    places of files that go are removed with them."""
    pairs = except_(
        select(media_locations.c.location_key, media_locations.c.sha256).where(
            media_locations.c.first_scan_id == scan_id
        ),
        select(scan_items.c.location_key, scan_items.c.sha256).where(
            scan_items.c.scan_id != scan_id
        ),
        select(message_media.c.location_key, message_media.c.sha256),
    ).subquery()
    key: ColumnElement[Any] = tuple_(media_locations.c.location_key, media_locations.c.sha256)
    lonely = key.in_(select(pairs.c.location_key, pairs.c.sha256))
    counted = select(func.count()).select_from(media_locations).where(lonely)
    total = int(conn.scalar(counted) or 0)
    conn.execute(delete(media_locations).where(lonely, media_locations.c.sha256.not_in(only)))
    return total


def _repoint_first_scan(conn: Connection, scan_id: int) -> None:
    """Places and matches this scan found first are credited to the earliest other scan."""
    others = scan_items.c.scan_id != scan_id
    places = conn.execute(
        select(media_locations.c.id, func.min(scan_items.c.scan_id))
        .join(
            scan_items,
            (scan_items.c.location_key == media_locations.c.location_key)
            & (scan_items.c.sha256 == media_locations.c.sha256),
        )
        .where(media_locations.c.first_scan_id == scan_id, others)
        .group_by(media_locations.c.id)
    ).all()
    _set_by_id(conn, media_locations, "first_scan_id", places)
    found = conn.execute(
        select(matches.c.id, func.min(scan_items.c.scan_id))
        .join(scan_items, scan_items.c.sha256 == matches.c.sha256)
        .where(matches.c.first_scan_id == scan_id, others)
        .group_by(matches.c.id)
    ).all()
    _set_by_id(conn, matches, "first_scan_id", found)


def _set_by_id(conn: Connection, table: Any, column: str, pairs: Iterable[Any]) -> None:
    """Set one column of rows given as (id, value) pairs, in one statement run per batch."""
    rows = [{"b_id": row_id, "b_value": value} for row_id, value in pairs]
    statement = (
        update(table).where(table.c.id == bindparam("b_id")).values({column: bindparam("b_value")})
    )
    for chunk in batched(rows, BATCH):
        conn.execute(statement, chunk)


def refuse_ingest_scan(conn: Connection, scan_id: int) -> None:
    """A scan made by an ingest goes with its ingest."""
    ingest_id = scan_ingest(conn, scan_id)
    if ingest_id is not None:
        raise UserError(
            f"scan {scan_id} hashed the media of ingest {ingest_id}: "
            f"`crible ingest delete {ingest_id}` removes both"
        )
