"""What may enter a case as evidence, and the provenance chain each item carries.

Only confirmed findings are admissible:

- ``media`` (a SHA-256): the file is CONFIRMED by review;
- ``match`` (a match id): its file is CONFIRMED and its bank entry was not rejected;
- ``decision`` (a decision id): a ``confirm`` decision whose file is CONFIRMED;
- ``message`` (a message id): the message carries at least one CONFIRMED file (a message
  that carries none is context, not evidence, and is refused).

Each item's chain runs from where the data came from (chat export ingest or scan, with the
export's SHA-256) through the file (its hashes), the message(s) that posted it, the
match(es) against bank entries, to the reviewers' decisions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from crible.model.cases import ConfirmedMedia, ProvenanceStep
from crible.model.errors import NotFound, UserError
from crible.services.review import DEFAULT, ReviewSettings, confirmed, resolved, standing
from crible.store import Store
from crible.store import review as review_rows
from crible.store.columns import as_utc
from crible.store.tables import (
    bank_entries,
    banks,
    chats,
    ingests,
    matches,
    media,
    media_locations,
    message_media,
    message_sources,
    messages,
    scan_runs,
)

KINDS = ("media", "message", "match", "decision")
MAX_MESSAGES = 20
"""Messages named in one file's chain (the rest are counted)."""


@dataclass(frozen=True)
class Admitted:
    """An item that may enter a case, with what it says and where it comes from."""

    kind: str
    ref: str
    sha256: str | None
    description: str
    provenance: tuple[ProvenanceStep, ...]
    media: tuple[ConfirmedMedia, ...]


def admit(store: Store, kind: str, ref: str, settings: ReviewSettings = DEFAULT) -> Admitted:
    """Check an item is confirmed and build its chain; UserError says why it is refused."""
    settings = resolved(store, settings)
    if kind not in KINDS:
        raise UserError(f"unknown evidence kind {kind!r} (one of {', '.join(KINDS)})")
    key = ref.strip().lower()
    if kind == "media":
        return _media(store, key, settings)
    if not key.isdigit():
        raise UserError(f"a {kind} is given by its numeric id, not {ref!r}")
    if kind == "match":
        return _match(store, int(key), settings)
    if kind == "decision":
        return _decision(store, int(key), settings)
    return _message(store, int(key), settings)


def _confirmed(store: Store, sha256: str, settings: ReviewSettings) -> ConfirmedMedia:
    with store.engine.connect() as conn:
        if not review_rows.media_known(conn, sha256):
            raise NotFound(f"no media file with SHA-256 {sha256}")
        decisions = review_rows.decisions_by_file(conn, [sha256]).get(sha256, [])
    found = confirmed(store, sha256, decisions, settings)
    if found is None:
        status = standing(decisions, settings).status
        raise UserError(
            f"file {sha256[:16]}... is {status}, not confirmed: only files confirmed by "
            "review can enter a case"
        )
    return found


def _media(store: Store, sha256: str, settings: ReviewSettings) -> Admitted:
    item = _confirmed(store, sha256, settings)
    with store.engine.connect() as conn:
        chain = file_chain(conn, sha256)
    what = f"file {item.file_name or sha256[:16]} ({item.category or 'no category'})"
    return Admitted("media", sha256, sha256, what, chain, (item,))


def _match(store: Store, match_id: int, settings: ReviewSettings) -> Admitted:
    with store.engine.connect() as conn:
        row = conn.execute(
            select(matches.c.sha256, matches.c.entry_id, banks.c.name)
            .join(banks, banks.c.id == matches.c.bank_id)
            .where(matches.c.id == match_id)
        ).one_or_none()
        if row is None:
            raise NotFound(f"no match with id {match_id}")
        sha256, entry_id, bank = row
        if conn.scalar(select(review_rows.is_suppressed(entry_id))):
            raise UserError(f"match {match_id}: a reviewer rejected bank entry {entry_id}")
    item = _confirmed(store, sha256, settings)
    with store.engine.connect() as conn:
        chain = file_chain(conn, sha256)
    what = f"match of file {sha256[:16]}... with bank {bank} entry {entry_id}"
    return Admitted("match", str(match_id), sha256, what, chain, (item,))


def _decision(store: Store, decision_id: int, settings: ReviewSettings) -> Admitted:
    with store.engine.connect() as conn:
        decision = review_rows.get_decision(conn, decision_id)
    if decision is None:
        raise NotFound(f"no decision with id {decision_id}")
    if decision.verdict != "confirm":
        raise UserError(f"decision {decision_id} is a {decision.verdict}, not a confirmation")
    item = _confirmed(store, decision.sha256, settings)
    with store.engine.connect() as conn:
        chain = file_chain(conn, decision.sha256)
    what = f"confirmation of file {decision.sha256[:16]}... by {decision.reviewer}"
    return Admitted("decision", str(decision_id), decision.sha256, what, chain, (item,))


def _message(store: Store, message_id: int, settings: ReviewSettings) -> Admitted:
    with store.engine.connect() as conn:
        row = conn.execute(
            select(messages.c.id, messages.c.sender_id, messages.c.sent_at, chats.c.name)
            .join(chats, chats.c.id == messages.c.chat_id)
            .where(messages.c.id == message_id)
        ).one_or_none()
        if row is None:
            raise NotFound(f"no message with id {message_id}")
        carried = list(
            dict.fromkeys(
                conn.scalars(
                    select(message_media.c.sha256)
                    .where(
                        message_media.c.message_id == message_id,
                        message_media.c.sha256.is_not(None),
                    )
                    .order_by(message_media.c.position)
                )
            )
        )
        decisions = review_rows.decisions_by_file(conn, carried)
    found = [confirmed(store, sha, decisions.get(sha, []), settings) for sha in carried]
    items = tuple(f for f in found if f is not None)
    if not items:
        raise UserError(
            f"message {message_id} carries no file confirmed by review: only messages with "
            "confirmed files can enter a case"
        )
    with store.engine.connect() as conn:
        chain = tuple(step for item in items for step in file_chain(conn, item.sha256))
    when = f" at {as_utc(row.sent_at):%Y-%m-%d %H:%M} UTC" if row.sent_at else ""
    what = (
        f"message {message_id} from account {row.sender_id} in {row.name or 'a chat'}{when}, "
        f"carrying {len(items)} confirmed file(s)"
    )
    return Admitted("message", str(message_id), None, what, chain, items)


def file_chain(conn: Connection, sha256: str) -> tuple[ProvenanceStep, ...]:
    """Sources, file, messages, matches and decisions of one file, in that order."""
    return (
        *_sources(conn, sha256),
        _file(conn, sha256),
        *_messages(conn, sha256),
        *_matches(conn, sha256),
        *_decisions(conn, sha256),
    )


def _sources(conn: Connection, sha256: str) -> list[ProvenanceStep]:
    steps = []
    query = (
        select(
            ingests.c.id,
            ingests.c.platform,
            ingests.c.path,
            ingests.c.main_sha256,
            ingests.c.started_at,
        )
        .join(message_media, message_media.c.ingest_id == ingests.c.id)
        .where(message_media.c.sha256 == sha256)
        .distinct()
        .order_by(ingests.c.id)
    )
    for ingest_id, platform, path, digest, at in conn.execute(query):
        steps.append(
            ProvenanceStep(
                "ingest",
                f"ingest {ingest_id}",
                f"{platform} export {path} (SHA-256 {digest})",
                as_utc(at),
            )
        )
    scans = (
        select(scan_runs.c.id, media_locations.c.display, scan_runs.c.started_at)
        .join(scan_runs, scan_runs.c.id == media_locations.c.first_scan_id)
        .where(media_locations.c.sha256 == sha256)
        .order_by(scan_runs.c.id, media_locations.c.display)
    )
    for scan_id, display, at in conn.execute(scans):
        steps.append(ProvenanceStep("scan", f"scan {scan_id}", f"found at {display}", as_utc(at)))
    return steps


def _file(conn: Connection, sha256: str) -> ProvenanceStep:
    row = conn.execute(
        select(media.c.md5, media.c.sha1, media.c.size, media.c.first_seen_at).where(
            media.c.sha256 == sha256
        )
    ).one()
    detail = f"SHA-256 {sha256}, SHA-1 {row.sha1}, MD5 {row.md5}, {row.size} bytes"
    return ProvenanceStep("file", sha256, detail, as_utc(row.first_seen_at))


def _messages(conn: Connection, sha256: str) -> list[ProvenanceStep]:
    """The messages that carried the file, oldest first (undated last). Past MAX_MESSAGES
    the chain still names the last message and each sender's first and last, so the
    times stated from it (the period of the facts, per file and per account) stay exact;
    a "more" step counts the others."""
    query = (
        select(
            messages.c.id,
            messages.c.sender_id,
            messages.c.sent_at,
            chats.c.name,
            message_sources.c.ingest_id,
        )
        .join(message_media, message_media.c.message_id == messages.c.id)
        .join(chats, chats.c.id == messages.c.chat_id)
        .outerjoin(message_sources, message_sources.c.message_id == messages.c.id)
        .where(message_media.c.sha256 == sha256)
        .order_by(messages.c.sent_at.nulls_last(), messages.c.id)
    )
    unique: dict[int, Any] = {}
    for row in conn.execute(query):  # a message read from two exports comes twice
        unique.setdefault(row.id, row)
    rows = list(unique.values())
    kept = _spanning([(row.sender_id, row.sent_at) for row in rows])
    steps = [
        ProvenanceStep(
            "message",
            f"message {row.id}",
            f"posted by account {row.sender_id} in {row.name or 'a chat'}"
            + (f", from ingest {row.ingest_id}" if row.ingest_id else ""),
            as_utc(row.sent_at),
        )
        for n, row in enumerate(rows)
        if n in kept
    ]
    if len(rows) > len(kept):
        steps.append(ProvenanceStep("message", "more", f"{len(rows) - len(kept)} more messages"))
    return steps


def _spanning(messages: list[tuple[int | None, datetime | None]]) -> set[int]:
    """Positions of the messages (sender, time) a chain names: the first MAX_MESSAGES, then
    of the dated ones the last and each sender's first and last."""
    kept = set(range(min(len(messages), MAX_MESSAGES)))
    ends: dict[int | None, tuple[int, int]] = {}
    for n, (sender, sent_at) in enumerate(messages):
        if sent_at is not None:
            first, _ = ends.get(sender, (n, n))
            ends[sender] = (first, n)
    for first, last in ends.values():
        kept.update((first, last))  # the last dated message is some sender's last
    return kept


def _matches(conn: Connection, sha256: str) -> list[ProvenanceStep]:
    query = (
        select(
            matches.c.id,
            banks.c.name,
            matches.c.entry_id,
            matches.c.signal_type,
            matches.c.distance,
            bank_entries.c.category_scheme,
            bank_entries.c.category_code,
            matches.c.first_scan_id,
            matches.c.created_at,
            review_rows.is_suppressed(matches.c.entry_id),
        )
        .join(banks, banks.c.id == matches.c.bank_id)
        .join(bank_entries, bank_entries.c.id == matches.c.entry_id)
        .where(matches.c.sha256 == sha256)
        .order_by(matches.c.id)
    )
    steps = []
    for match_id, bank, entry, signal, distance, scheme, code, scan_id, at, gone in conn.execute(
        query
    ):
        category = f" ({scheme} {code})" if scheme else ""
        detail = f"bank {bank} entry {entry}{category}, {signal} distance {distance}"
        if scan_id:
            detail += f", in scan {scan_id}"
        if gone:
            detail += ", entry later rejected by a reviewer"
        steps.append(ProvenanceStep("match", f"match {match_id}", detail, as_utc(at)))
    return steps


def _decisions(conn: Connection, sha256: str) -> list[ProvenanceStep]:
    steps = []
    for d in review_rows.decisions_by_file(conn, [sha256]).get(sha256, []):
        category = f" ({d.category})" if d.category else ""
        note = f": {d.note}" if d.note else ""
        steps.append(
            ProvenanceStep(
                "decision",
                f"decision {d.id}",
                f"{d.verdict}{category} by {d.reviewer}{note}",
                d.decided_at,
            )
        )
    return steps
