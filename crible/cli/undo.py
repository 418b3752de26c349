"""``crible ingest delete ID`` and ``crible scan delete ID``: undo a run that should not have
been made (a wrong file, the wrong store)."""

from __future__ import annotations

from dataclasses import asdict

import click
from rich.table import Table

from crible.cli.context import App, pass_app
from crible.cli.render import dumps, make_console
from crible.model.undo import Removal
from crible.services import undo as service
from crible.services.audit import local_actor

console = make_console()
_YES = click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
_JSON = click.option("--json", "as_json", is_flag=True, help="Print what was removed as JSON.")


@click.command("delete")
@click.argument("ingest_id", metavar="ID", type=int)
@_YES
@_JSON
@pass_app
def ingest_delete(app: App, ingest_id: int, yes: bool, as_json: bool) -> None:
    """Remove ingest ID and what only it brought (audited, one transaction).

    Messages that another export also carries stay, with that export's provenance; so do
    accounts and chats another export created. Its media scan goes too (see `crible scan
    delete`). Refused while a case holds one of its messages, files or senders.
    """
    if not yes:
        click.confirm(f"Delete ingest {ingest_id} and what only it brought?", abort=True)
    _show(service.delete_ingest(app.store(), ingest_id, actor=local_actor()), as_json)


@click.command("scan delete")
@click.argument("scan_id", metavar="ID", type=int)
@_YES
@_JSON
@pass_app
def scan_delete(app: App, scan_id: int, yes: bool, as_json: bool) -> None:
    """Remove scan run ID and what only it brought (audited, one transaction).

    Files that no other scan saw and no message carries go, with their matches; the places
    only this scan saw go. Refused while the scan runs, for an ingest's scan (delete the
    ingest), and while a case holds one of its files or reviewers decided on one.
    """
    if not yes:
        click.confirm(f"Delete scan {scan_id} and what only it brought?", abort=True)
    _show(service.delete_scan(app.store(), scan_id, actor=local_actor()), as_json)


def _show(removal: Removal, as_json: bool) -> None:
    if as_json:
        click.echo(dumps(asdict(removal)))
        return
    table = Table(title=f"{removal.kind} {removal.run_id} deleted", show_header=False)
    for name, value in asdict(removal).items():
        if name not in ("kind", "run_id") and value:
            table.add_row(name.replace("_", " "), str(value))
    console.print(table)
