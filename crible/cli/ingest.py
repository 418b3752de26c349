"""``crible ingest telegram|whatsapp|discord PATH``: chat exports into the investigation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.table import Table

from crible.cli.context import App, CompletedWithErrors, pass_app
from crible.cli.render import dumps, make_console, plain
from crible.cli.scan import scan_progress
from crible.cli.undo import ingest_delete
from crible.services.ingest import IngestOptions, IngestReport, ingest

console = make_console()

_ZONE = click.option(
    "--zone",
    default=None,
    help="IANA time zone of local times in the export (e.g. Europe/Paris); default UTC. "
    "Recorded on every message whose time it was used for; ingesting the export again "
    "with another zone corrects the stored times.",
)
_KEEP = click.option(
    "--keep-partial",
    is_flag=True,
    help="If the file is truncated or malformed, keep the records before the fault "
    "(the ingest is marked incomplete) instead of storing nothing.",
)
_JSON = click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
_WORKERS = click.option(
    "--workers",
    "-j",
    type=click.IntRange(0, 256),
    default=None,
    help="Processes hashing the export's media (default: one per core).",
)


@click.group("ingest")
def ingest_group() -> None:
    """Ingest chat exports; every media file they carry is hashed and matched."""


ingest_group.add_command(ingest_delete)


@ingest_group.command("telegram")
@click.argument("path", type=click.Path(path_type=Path, exists=True))
@_ZONE
@_KEEP
@_WORKERS
@_JSON
@pass_app
def telegram(
    app: App,
    path: Path,
    zone: str | None,
    keep_partial: bool,
    workers: int | None,
    as_json: bool,
) -> None:
    """A Telegram Desktop export: a chat folder, a full-account folder or a result.json."""
    options = IngestOptions(zone=zone, keep_partial=keep_partial)
    _run(app, "telegram", path, options, workers, as_json)


@ingest_group.command("whatsapp")
@click.argument("path", type=click.Path(path_type=Path, exists=True))
@_ZONE
@click.option("--chat-name", default=None, help="Name of the chat (default: from the file name).")
@click.option(
    "--date-order",
    type=click.Choice(["DMY", "MDY", "YMD"]),
    default=None,
    help="Order of day, month and year (default: inferred from the whole file).",
)
@_KEEP
@_WORKERS
@_JSON
@pass_app
def whatsapp(
    app: App,
    path: Path,
    zone: str | None,
    chat_name: str | None,
    date_order: str | None,
    keep_partial: bool,
    workers: int | None,
    as_json: bool,
) -> None:
    """A WhatsApp "Export chat" text file (Android or iOS), the folder holding it, or the
    .zip the phone made (read where it lies; its SHA-256 is kept as the item seized)."""
    options = IngestOptions(
        zone=zone, chat_name=chat_name, date_order=date_order, keep_partial=keep_partial
    )
    _run(app, "whatsapp", path, options, workers, as_json)


@ingest_group.command("discord")
@click.argument("path", type=click.Path(path_type=Path, exists=True))
@_KEEP
@_WORKERS
@_JSON
@pass_app
def discord(app: App, path: Path, keep_partial: bool, workers: int | None, as_json: bool) -> None:
    """A DiscordChatExporter JSON export (with its media folder, if exported)."""
    _run(app, "discord", path, IngestOptions(keep_partial=keep_partial), workers, as_json)


def _run(
    app: App,
    platform: str,
    path: Path,
    options: IngestOptions,
    workers: int | None,
    as_json: bool,
) -> None:
    bar = scan_progress(as_json)
    try:
        report = ingest(app.store(), platform, path, options, workers=workers, progress=bar)
    finally:
        if bar is not None:
            bar.stop()
    if as_json:
        click.echo(dumps(report_dict(report)))
    else:
        _print(report)
    if report.rejected_input:  # notes never change the exit status
        raise CompletedWithErrors()


def report_dict(report: IngestReport) -> dict[str, Any]:
    """A JSON-ready form of an ingest report."""
    scan = report.scan
    return {
        "ingest_id": report.ingest_id,
        "platform": report.platform,
        "path": report.path,
        "status": report.status,
        "messages_new": report.messages_new,
        "messages_merged": report.messages_merged,
        "chats": len(report.chats),
        "media": report.media,
        "forwards_linked_by_name": report.forwards_linked,
        "matched_media": scan.matched_media if scan else 0,
        "scan_id": scan.run.id if scan else None,
        "problems": [
            {"position": p.position, "reason": p.reason, "fatal": p.fatal} for p in report.problems
        ],
        "notes": [{"position": n.position, "note": n.text} for n in report.notes],
        "times_corrected": report.times_corrected,
    }


def _print(report: IngestReport) -> None:
    table = Table(
        title=f"ingest {report.ingest_id}: {report.platform}, {report.status}", show_header=False
    )
    data = report_dict(report)
    for key in (
        "path",
        "chats",
        "messages_new",
        "messages_merged",
        "forwards_linked_by_name",
        "matched_media",
    ):
        table.add_row(key.replace("_", " "), str(data[key]))
    for status, count in sorted(report.media.items()):
        table.add_row(f"media {status.replace('_', ' ')}", str(count))
    console.print(table)
    if report.problems:
        _listing("rejected", [(p.position, p.reason) for p in report.problems])
    if report.notes:
        _listing("notes (nothing rejected)", [(n.position, n.text) for n in report.notes])


def _listing(title: str, rows: list[tuple[str, str]]) -> None:
    """A table of positions and what was found there (the first 100)."""
    listing = Table(title=title)
    listing.add_column("where", overflow="fold")
    listing.add_column("what", overflow="fold")
    for where, what in rows[:100]:
        listing.add_row(plain(where), plain(what))
    if len(rows) > 100:
        listing.add_row("", f"and {len(rows) - 100} more")
    console.print(listing)
