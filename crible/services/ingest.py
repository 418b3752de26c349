"""The ingest use case: one chat export into the investigation, in one transaction, then
every media file it carries screened by the scan pipeline and linked to its message."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, bindparam, func, select, update

from crible import __version__
from crible.model.chats import ChatMessage, ChatRef, ExportInfo, ExportProblem, MediaRef, Platform
from crible.model.errors import BadInput, UserError
from crible.model.scans import ScanSummary
from crible.services.scan import ScanProgress, scan_files
from crible.signals.crypto import hash_file
from crible.store import Store
from crible.store.chats import ChatWriter
from crible.store.rows import now
from crible.store.sql import new_id
from crible.store.tables import ingest_problems, ingests, message_media, scan_items

IMPORTER_VERSION = f"crible {__version__}"


@dataclass(frozen=True)
class IngestOptions:
    """How to read an export: the zone of local times, the chat name and date order where
    the format leaves them open, and whether to keep the readable part of a broken file."""

    zone: str | None = None
    chat_name: str | None = None
    date_order: str | None = None
    keep_partial: bool = False


@dataclass(frozen=True)
class _Format:
    locate: Callable[[Path], tuple[Path, Path]]
    parse: Callable[[Path, IngestOptions], Iterator[Any]]


def _formats() -> dict[str, _Format]:
    from crible.ingest import discord, telegram, whatsapp

    return {
        "telegram": _Format(telegram.locate, lambda f, o: telegram.parse(f, zone=o.zone)),
        "whatsapp": _Format(
            whatsapp.locate,
            lambda f, o: whatsapp.parse(
                f, zone=o.zone, chat_name=o.chat_name, date_order=o.date_order
            ),
        ),
        "discord": _Format(discord.locate, lambda f, _o: discord.parse(f)),
    }


@dataclass
class IngestReport:
    """What one ingest stored, merged, refused and found."""

    ingest_id: int
    platform: str
    path: str
    status: str
    messages_new: int = 0
    messages_merged: int = 0
    chats: set[str] = field(default_factory=set)
    media: dict[str, int] = field(default_factory=dict)
    forwards_linked: int = 0
    problems: list[ExportProblem] = field(default_factory=list)
    scan: ScanSummary | None = None


def ingest(
    store: Store,
    platform: str,
    path: Path,
    options: IngestOptions | None = None,
    *,
    workers: int | None = None,
    progress: ScanProgress | None = None,
) -> IngestReport:
    """Ingest the export at ``path``; a broken file stores nothing unless ``keep_partial``."""
    options = options or IngestOptions()
    formats = _formats()
    if platform not in formats:
        raise UserError(f"unknown export format {platform!r} (known: {', '.join(formats)})")
    fmt = formats[platform]
    root, main_file = fmt.locate(path)
    root = Path(os.path.abspath(root))
    records = fmt.parse(main_file, options)  # checks the options before the file is read
    crypto = hash_file(main_file)
    with store.engine.begin() as conn:
        report = _store_export(
            conn, platform, root, main_file, crypto.sha256, crypto.size, records, options
        )
    pending = _pending_files(store)
    if pending:
        report.scan = scan_files(
            store,
            f"ingest {report.ingest_id}: {root}",
            pending,
            workers=workers,
            progress=progress,
        )
        _link_media(store, report)
    report.media = _media_counts(store, report.ingest_id)
    with store.engine.begin() as conn:
        conn.execute(
            update(ingests)
            .where(ingests.c.id == report.ingest_id)
            .values(
                finished_at=now(),
                counts=json.dumps(_counts(report)),
                scan_id=report.scan.run.id if report.scan else None,
            )
        )
    return report


def _store_export(
    conn: Connection,
    platform: str,
    root: Path,
    main_file: Path,
    sha256: str,
    size: int,
    records: Iterator[Any],
    options: IngestOptions,
) -> IngestReport:
    ingest_id = new_id(
        conn.execute(
            ingests.insert().values(
                platform=platform,
                format=f"{platform}-export",
                path=str(root),
                main_file=str(main_file),
                main_sha256=sha256,
                size=size,
                importer_version=IMPORTER_VERSION,
                zone=options.zone,
                status="running",
                started_at=now(),
                counts="{}",
            )
        )
    )
    report = IngestReport(ingest_id, platform, str(root), "complete")
    writer = ChatWriter(conn, ingest_id)
    root_real = os.path.realpath(root)
    for record in records:
        if isinstance(record, ExportProblem):
            report.problems.append(record)
            if record.fatal:
                if not options.keep_partial:
                    raise BadInput(
                        f"{record.reason} at {record.position}; nothing was stored "
                        "(--keep-partial keeps the records before it, marked incomplete)",
                        source=str(main_file),
                    )
                report.status = "incomplete"
                break
        elif isinstance(record, ExportInfo):
            for account in (record.owner, *record.contacts):
                if account is not None:
                    writer.account(account, None)
        elif isinstance(record, ChatRef):
            writer.chat(record)
            report.chats.add(record.key)
        elif isinstance(record, ChatMessage):
            rows = [
                _media_row(i, m, root, root_real, record, report)
                for i, m in enumerate(record.media)
            ]
            writer.message(record, rows)
            report.chats.add(record.chat.key)
    report.messages_new, report.messages_merged = writer.new_messages, writer.merged_messages
    writer.finish()
    report.forwards_linked = writer.link_forwards_by_name(Platform(platform))
    if report.problems:
        conn.execute(
            ingest_problems.insert(),
            [
                {
                    "ingest_id": ingest_id,
                    "position": p.position[:80],
                    "reason": p.reason,
                    "excerpt": p.excerpt[:500],
                    "fatal": p.fatal,
                }
                for p in report.problems
            ],
        )
    conn.execute(update(ingests).where(ingests.c.id == ingest_id).values(status=report.status))
    return report


def _media_row(
    position: int,
    ref: MediaRef,
    root: Path,
    root_real: str,
    msg: ChatMessage,
    report: IngestReport,
) -> dict[str, Any]:
    status, reason, key = _resolve(ref, root, root_real)
    if status == "refused":
        report.problems.append(
            ExportProblem(msg.position or f"message {msg.key}", f"media {ref.path!r}: {reason}")
        )
    return {
        "position": position,
        "kind": ref.kind,
        "path": ref.path,
        "location_key": key,
        "exported": ref.exported,
        "status": status,
        "reason": reason,
        "mime_type": ref.mime_type,
        "size_bytes": ref.size_bytes,
        "width": ref.width,
        "height": ref.height,
        "duration_seconds": ref.duration_seconds,
        "file_name": ref.file_name,
        "note": ref.note,
    }


def _resolve(ref: MediaRef, root: Path, root_real: str) -> tuple[str, str | None, bytes | None]:
    """Where a media reference points: (status, reason, location key of the file)."""
    if not ref.exported or not ref.path:
        return "not_exported", ref.note, None
    if os.path.isabs(ref.path) or ref.path.startswith("\\") or ":" in ref.path[:3]:
        return "refused", "absolute path: refused, it leaves the export folder", None
    candidate = os.path.normpath(os.path.join(root, ref.path))
    if not candidate.startswith(str(root) + os.sep):
        return "refused", "path leaves the export folder", None
    real = os.path.realpath(candidate)
    if not real.startswith(root_real + os.sep):
        return "refused", "a link inside the export points outside it", None
    if not os.path.isfile(candidate):
        return "missing", "named in the export but not in its folder", None
    return "pending", None, os.fsencode(candidate)


def _pending_files(store: Store) -> list[bytes]:
    """Files to hash: this export's, and any an earlier ingest left pending (killed while
    hashing), so that running an ingest again completes it."""
    with store.engine.connect() as conn:
        keys = conn.execute(
            select(message_media.c.location_key)
            .where(message_media.c.status == "pending")
            .distinct()
        ).scalars()
        return sorted(bytes(k) for k in keys)


def _link_media(store: Store, report: IngestReport) -> None:
    """Give each media reference the SHA-256 the scan found, or the reason it could not."""
    assert report.scan is not None
    with store.engine.begin() as conn:
        outcomes = {
            bytes(key): (sha256, reason)
            for key, sha256, reason in conn.execute(
                select(scan_items.c.location_key, scan_items.c.sha256, scan_items.c.reason).where(
                    scan_items.c.scan_id == report.scan.run.id
                )
            )
        }
        pending = conn.execute(
            select(message_media.c.id, message_media.c.location_key).where(
                message_media.c.status == "pending"
            )
        ).all()
        changes: list[dict[str, Any]] = []
        for media_id, key in pending:
            if (found := outcomes.get(bytes(key))) is not None:
                sha256, reason = found
                status = "hashed" if sha256 else "rejected"
                changes.append(
                    {"b_id": media_id, "b_sha256": sha256, "b_status": status, "b_reason": reason}
                )
        if changes:  # one statement run for every row, each found by its primary key
            conn.execute(
                update(message_media)
                .where(message_media.c.id == bindparam("b_id"))
                .values(
                    sha256=bindparam("b_sha256"),
                    status=bindparam("b_status"),
                    reason=bindparam("b_reason"),
                ),
                changes,
            )


def _media_counts(store: Store, ingest_id: int) -> dict[str, int]:
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(message_media.c.status, func.count())
            .where(message_media.c.ingest_id == ingest_id)
            .group_by(message_media.c.status)
        ).all()
    return {str(status): int(count) for status, count in rows}


def _counts(report: IngestReport) -> dict[str, Any]:
    return {
        "messages_new": report.messages_new,
        "messages_merged": report.messages_merged,
        "chats": len(report.chats),
        "media": report.media,
        "forwards_linked": report.forwards_linked,
        "problems": len(report.problems),
        "matched_media": report.scan.matched_media if report.scan else 0,
    }
