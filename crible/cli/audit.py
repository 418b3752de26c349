"""``crible audit ...``: read and verify the hash-chained audit log."""

from __future__ import annotations

import json

import click
from rich.table import Table

from crible.cli.context import App, pass_app
from crible.cli.main import EXIT_NOT_INTACT
from crible.cli.render import make_console, plain
from crible.services import audit as service

console = make_console()


@click.group("audit")
def audit() -> None:
    """Show and verify the audit log (logins, media views, decisions, exports, changes)."""


@audit.command("verify")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_app
def audit_verify(app: App, as_json: bool) -> None:
    """Check every entry's hash and link; exit 4 at the first edited, removed or moved one."""
    result = service.verify(app.reader())
    if as_json:
        click.echo(json.dumps(service.verification_summary(result)))
    elif result.problem is None:
        click.echo(f"audit log intact: {result.entries} entries, head {result.head}")
    else:
        click.echo(
            f"audit log BROKEN at entry {result.problem.entry_id}: {result.problem.reason}",
            err=True,
        )
    if result.problem is not None:
        raise click.exceptions.Exit(EXIT_NOT_INTACT)


@audit.command("show")
@click.option(
    "--limit",
    default=50,
    show_default=True,
    type=click.IntRange(min=1),
    help="Newest entries to show.",
)
@click.option("--action", default=None, help="Only this action (login, media_view, ...).")
@pass_app
def audit_show(app: App, limit: int, action: str | None) -> None:
    """Show the newest entries of the audit log."""
    table = Table("id", "at", "actor", "action", "target", "detail")
    for e in service.entries(app.reader(), action=action, limit=limit):
        table.add_row(
            str(e.id),
            e.at.isoformat(timespec="seconds"),
            plain(e.actor),
            e.action,
            plain(e.target),
            plain(e.detail),
        )
    console.print(table)
