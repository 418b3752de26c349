"""The ingest use case: one chat export into the investigation, in one transaction, then
every media file it carries screened by the scan pipeline and linked to its message.

The report keeps apart what was rejected (``problems``: records, fields or media that
could not be read or kept) from ``notes`` (a guessed date order, a count the file states
that differs, fields kept raw, stored times corrected), which reject nothing. A zipped
export is read where it lies: ``main_file`` and ``main_sha256`` are the archive's, the
item seized, and ``member``/``member_sha256`` the chat entry read inside it."""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, bindparam, func, select, update

from crible import __version__
from crible.ingest.archive import ChatFile, chat_in_zip, is_zip
from crible.model.chats import (
    ChatMessage,
    ChatRef,
    ExportInfo,
    ExportNote,
    ExportProblem,
    Platform,
)
from crible.model.errors import BadInput, UserError
from crible.model.scans import ScanSummary
from crible.services.ingest_media import MediaPlace
from crible.services.scan import ScanProgress, scan_files
from crible.signals.crypto import hash_file
from crible.store import Store
from crible.store.chats import ChatWriter
from crible.store.columns import now
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
    parse: Callable[[Path | ChatFile, IngestOptions], Iterator[Any]]
    archives: bool = False
    """Whether an export of this format may come as a zip archive (read where it lies)."""


def _formats() -> dict[str, _Format]:
    from crible.ingest import discord, telegram, whatsapp

    return {
        "telegram": _Format(telegram.locate, lambda f, o: telegram.parse(_path(f), zone=o.zone)),
        "whatsapp": _Format(
            whatsapp.locate,
            lambda f, o: whatsapp.parse(
                f, zone=o.zone, chat_name=o.chat_name, date_order=o.date_order
            ),
            archives=True,
        ),
        "discord": _Format(discord.locate, lambda f, _o: discord.parse(_path(f))),
    }


def _path(source: Path | ChatFile) -> Path:
    """The file of a format that is never read from an archive."""
    return source.path if isinstance(source, ChatFile) else source


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
    """What was rejected: records, fields or media that could not be read or kept."""
    notes: list[ExportNote] = field(default_factory=list)
    """What is worth knowing and rejected nothing."""
    times_corrected: dict[str, int] = field(default_factory=dict)
    """Stored times this export corrected, by the zone they had been read in."""
    scan: ScanSummary | None = None

    @property
    def rejected_input(self) -> bool:
        """Whether any input was rejected: a problem, a media file that could not be
        hashed, or an export read only in part (notes do not count)."""
        return bool(self.problems) or self.status != "complete" or bool(self.media.get("rejected"))


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
    root, main_file = Path(os.path.abspath(root)), Path(os.path.abspath(main_file))
    archive = chat_in_zip(main_file) if fmt.archives and is_zip(main_file) else None
    place = MediaPlace(root, archive)
    records = fmt.parse(archive or main_file, options)  # checks options and shape first
    crypto = hash_file(main_file)  # the archive itself, when zipped: the item seized
    source = _Source(platform, place, main_file, crypto.sha256, crypto.size)
    with store.engine.begin() as conn:
        report = _store_export(conn, source, records, options)
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


@dataclass(frozen=True)
class _Source:
    """The export being ingested: its format, where its media are, its main file."""

    platform: str
    place: MediaPlace
    main_file: Path
    sha256: str
    size: int

    @property
    def path(self) -> str:
        """The export as given: its folder, or its archive."""
        archive = self.place.archive
        return str(archive.path if archive is not None else self.place.root)


def _store_export(
    conn: Connection, source: _Source, records: Iterator[Any], options: IngestOptions
) -> IngestReport:
    archive = source.place.archive
    ingest_id = new_id(
        conn.execute(
            ingests.insert().values(
                platform=source.platform,
                format=f"{source.platform}-export",
                path=source.path,
                main_file=str(source.main_file),
                main_sha256=source.sha256,
                size=source.size,
                member=archive.member if archive else None,
                member_sha256=_digest(archive) if archive else None,
                importer_version=IMPORTER_VERSION,
                zone=options.zone,
                status="running",
                started_at=now(),
                counts="{}",
            )
        )
    )
    report = IngestReport(ingest_id, source.platform, source.path, "complete")
    writer = ChatWriter(conn, ingest_id)
    for record in records:
        if isinstance(record, ExportNote):
            report.notes.append(record)
        elif isinstance(record, ExportProblem):
            report.problems.append(record)
            if record.fatal:
                if not options.keep_partial:
                    raise BadInput(
                        f"{record.reason} at {record.position}; nothing was stored "
                        "(--keep-partial keeps the records before it, marked incomplete)",
                        source=str(source.main_file),
                    )
                report.status = "incomplete"
                break
        elif isinstance(record, ExportInfo):
            conn.execute(
                update(ingests).where(ingests.c.id == ingest_id).values(format=record.format)
            )
            for account in (record.owner, *record.contacts):
                if account is not None:
                    writer.account(account, None)
        elif isinstance(record, ChatRef):
            writer.chat(record)
            report.chats.add(record.key)
        elif isinstance(record, ChatMessage):
            rows = [
                source.place.row(i, m, record, report.problems) for i, m in enumerate(record.media)
            ]
            writer.message(record, rows)
            report.chats.add(record.chat.key)
    report.messages_new, report.messages_merged = writer.new_messages, writer.merged_messages
    writer.finish()
    report.forwards_linked = writer.link_forwards_by_name(Platform(source.platform))
    report.times_corrected = dict(writer.corrected)
    if writer.corrected:
        report.notes.append(_corrections_note(writer.corrected, options))
    _store_problems(conn, ingest_id, report)
    conn.execute(update(ingests).where(ingests.c.id == ingest_id).values(status=report.status))
    return report


def _digest(archive: ChatFile) -> str:
    """The SHA-256 of the chat entry of an archive, streamed."""
    digest = hashlib.sha256()
    with archive.open() as stream:
        while chunk := stream.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _corrections_note(corrected: Counter[str], options: IngestOptions) -> ExportNote:
    """The note saying which stored times this export corrected."""
    before = ", ".join(
        f"{'with an exact offset' if zone == 'exact' else 'in ' + zone} ({count})"
        for zone, count in sorted(corrected.items())
    )
    total = sum(corrected.values())
    now_zone = options.zone or "UTC"
    return ExportNote(
        "store",
        f"{total} stored message times corrected: they had been read {before}; they are now "
        f"as this export gives them (local times read in {now_zone})",
    )


def _store_problems(conn: Connection, ingest_id: int, report: IngestReport) -> None:
    """Record what was rejected and the notes with the ingest."""
    rows = [
        {
            "ingest_id": ingest_id,
            "position": p.position[:80],
            "reason": p.reason,
            "excerpt": p.excerpt[:500],
            "fatal": p.fatal,
            "note": False,
        }
        for p in report.problems
    ] + [
        {
            "ingest_id": ingest_id,
            "position": n.position[:80],
            "reason": n.text,
            "excerpt": "",
            "fatal": False,
            "note": True,
        }
        for n in report.notes
    ]
    if rows:
        conn.execute(ingest_problems.insert(), rows)


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
        "notes": len(report.notes),
        "times_corrected": report.times_corrected,
        "matched_media": report.scan.matched_media if report.scan else 0,
    }
