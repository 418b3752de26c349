"""``crible accounts``, ``chats``, ``messages`` and ``media``: what the investigation holds."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import click
from rich.table import Table

from crible.cli.context import App, pass_app
from crible.cli.render import dumps, make_console, plain
from crible.services import views

console = make_console()
_JSON = click.option("--json", "as_json", is_flag=True, help="Print as JSON.")


def _when(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if value else ""


def _emit(rows: list[Any], as_json: bool, table: Table, cells: Any) -> None:
    if as_json:
        click.echo(dumps([asdict(r) for r in rows]))
        return
    for row in rows:
        # Export content is untrusted: shown as plain text, never as rich markup.
        table.add_row(*(plain(cell) for cell in cells(row)))
    console.print(table)


@click.command()
@_JSON
@pass_app
def accounts(app: App, as_json: bool) -> None:
    """Accounts across every export, with all names and usernames they showed."""
    rows = views.list_accounts(app.reader())
    table = Table(
        "platform",
        "key",
        "names",
        "usernames",
        "messages",
        "chats",
        "first",
        "last",
        title="accounts (UTC)",
    )
    _emit(
        rows,
        as_json,
        table,
        lambda a: (
            a.platform,
            a.key,
            " / ".join(a.names),
            " / ".join(a.usernames),
            str(a.messages),
            str(a.chats),
            _when(a.first_seen),
            _when(a.last_seen),
        ),
    )


@click.command()
@_JSON
@pass_app
def chats(app: App, as_json: bool) -> None:
    """Chats across every export, with their size and time span."""
    rows = views.list_chats(app.reader())
    table = Table(
        "platform",
        "key",
        "name",
        "type",
        "messages",
        "senders",
        "first",
        "last",
        title="chats (UTC)",
    )
    _emit(
        rows,
        as_json,
        table,
        lambda c: (
            c.platform,
            c.key,
            c.name or "",
            c.type or "",
            str(c.messages),
            str(c.senders),
            _when(c.first_message),
            _when(c.last_message),
        ),
    )


@click.command()
@click.option("--account", help="Only messages of this account (key, e.g. user123, or a name).")
@click.option("--chat", help="Only messages of this chat (key or name).")
@click.option("--since", type=click.DateTime(), help="Only messages from this date (UTC).")
@click.option(
    "--limit",
    type=click.IntRange(1),
    default=200,
    show_default=True,
    help="At most this many messages.",
)
@_JSON
@pass_app
def messages(
    app: App,
    account: str | None,
    chat: str | None,
    since: datetime | None,
    limit: int,
    as_json: bool,
) -> None:
    """Messages in time order, merged across exports."""
    when = since.replace(tzinfo=UTC) if since and since.tzinfo is None else since
    rows = views.list_messages(app.reader(), account=account, chat=chat, since=when, limit=limit)
    table = Table("time (UTC)", "chat", "sender", "text", "fwd from", "media", "exports")
    table.columns[3].overflow = "fold"
    _emit(
        rows,
        as_json,
        table,
        lambda m: (
            _when(m.sent_at),
            m.chat,
            m.sender or m.sender_key or "",
            m.text if m.kind == "message" else f"[{m.action}] {m.text}",
            m.forwarded_from or "",
            str(m.media),
            str(m.exports),
        ),
    )


@click.command()
@click.option("--matched", is_flag=True, help="Only media that matched a bank.")
@click.option(
    "--limit",
    type=click.IntRange(1),
    default=1000,
    show_default=True,
    help="At most this many media references.",
)
@_JSON
@pass_app
def media(app: App, matched: bool, limit: int, as_json: bool) -> None:
    """Media carried by messages: file hash, status and matches."""
    rows = views.list_media(app.reader(), matched=matched, limit=limit)
    table = Table("time (UTC)", "chat", "sender", "kind", "path", "status", "sha256", "matches")
    table.columns[4].overflow = "fold"
    _emit(
        rows,
        as_json,
        table,
        lambda m: (
            _when(m.sent_at),
            m.chat,
            m.sender or "",
            m.kind,
            m.path or "",
            m.status,
            (m.sha256 or "")[:16],
            "; ".join(m.matches),
        ),
    )
