"""``crible bank ...``: import and manage hash lists."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from crible.banks.formats import FORMATS
from crible.cli.context import App, CompletedWithErrors, pass_app
from crible.cli.render import make_console, plain, progress_wanted
from crible.model.banks import BankStats, ImportReport, Provenance
from crible.model.signals import SignalType
from crible.services import banks as service

console = make_console()


@click.group()
def bank() -> None:
    """Import, list, show, disable, delete and export banks (hash lists)."""


@bank.command("import")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--name", "-n", required=True, help="Bank to import into (created if new).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(FORMATS)),
    default=None,
    help="List format (default: detected from the file).",
)
@click.option(
    "--type",
    "signal_type",
    type=click.Choice([t.value for t in SignalType]),
    default=None,
    help="Signal type of every hash (plain lists; needed for 64 hex digits).",
)
@click.option("--scheme", help="Category scheme of the list: VIC-US, CAID, NCMEC, DEMO.")
@click.option("--category", help="Category of entries that carry none (needs --scheme).")
@click.option("--provider", help="Who supplied the list (e.g. NCMEC, IWF, a national unit).")
@click.option("--list-name", help="The provider's name for the list.")
@click.option("--list-version", help="The provider's version of the list.")
@click.option("--date", "published", help="Date the provider published this version (ISO).")
@click.option("--terms", help="Terms of use of the list.")
@click.option("--description", help="A note about the bank.")
@click.option("--strict", is_flag=True, help="Abort the whole import on the first invalid line.")
@click.option("--json", "as_json", is_flag=True, help="Print the import report as JSON.")
@pass_app
def import_(
    app: App,
    path: Path,
    name: str,
    fmt: str | None,
    signal_type: str | None,
    scheme: str | None,
    category: str | None,
    provider: str | None,
    list_name: str | None,
    list_version: str | None,
    published: str | None,
    terms: str | None,
    description: str | None,
    strict: bool,
    as_json: bool,
) -> None:
    """Import the hash list at PATH into a bank, in one transaction.

    Importing the same list again adds nothing. Invalid lines are listed with their
    line number and reason while valid ones are kept (exit status 3), unless --strict.
    """
    with _import_progress(path) as progress:
        report = service.import_list(
            app.store(),
            path,
            bank=name,
            fmt=fmt,
            signal_type=SignalType(signal_type) if signal_type else None,
            scheme=scheme,
            category=category,
            description=description,
            strict=strict,
            provenance=Provenance(provider, list_name, list_version, published, terms),
            progress=progress,
        )
    _print_report(report, as_json)
    if report.rejected:
        raise CompletedWithErrors()


@contextmanager
def _import_progress(path: Path) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar over the bytes of the list being imported (on a terminal)."""
    if not progress_wanted():
        yield None
        return
    columns = (
        TextColumn("importing"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("import", total=None)

        def advance(done: int, size: int) -> None:
            bar.update(task, completed=done, total=size)

        yield advance


def _print_report(report: ImportReport, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(asdict(report), indent=2))
        return
    console.print(
        f"bank [bold]{report.bank}[/bold] ← {report.source} ({report.format}): "
        f"{report.added} added, {report.already_present} already present, "
        f"{len(report.rejected)} rejected",
        highlight=False,
    )
    for line in report.rejected[:50]:
        console.print(f"  {report.source}:{line.line}: {line.reason}", highlight=False)
    if len(report.rejected) > 50:
        console.print(f"  ... and {len(report.rejected) - 50} more (stored with the import)")


@bank.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@pass_app
def list_(app: App, as_json: bool) -> None:
    """List banks with their provenance and size."""
    stats = service.list_banks(app.reader())
    if as_json:
        click.echo(json.dumps([_stats_dict(s) for s in stats], indent=2, default=str))
        return
    table = Table("bank", "enabled", "provider", "list", "version", "date", "scheme", "entries")
    for s in stats:
        b, p = s.bank, s.bank.provenance
        table.add_row(
            *(
                plain(cell)
                for cell in (
                    b.name,
                    "yes" if b.enabled else "no",
                    p.provider or "",
                    p.list_name or "",
                    p.version or "",
                    p.published or "",
                    b.scheme or "",
                    str(s.total),
                )
            )
        )
    console.print(table)


@bank.command("show")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@pass_app
def show(app: App, name: str, as_json: bool) -> None:
    """Show a bank: provenance, counts by signal type and by category."""
    s = service.show_bank(app.reader(), name)
    if as_json:
        click.echo(json.dumps(_stats_dict(s), indent=2, default=str))
        return
    b, p = s.bank, s.bank.provenance
    console.print(f"[bold]{b.name}[/bold] ({'enabled' if b.enabled else 'disabled'})")
    for label, value in [
        ("provider", p.provider),
        ("list", p.list_name),
        ("version", p.version),
        ("date", p.published),
        ("terms", p.terms),
        ("scheme", b.scheme),
        ("description", b.description),
    ]:
        if value:
            console.print(f"  {label}: {value}", highlight=False)
    console.print(f"  entries: {s.total} from {s.imports} import(s)")
    table = Table("signal type", "entries")
    for key, count in sorted(s.by_signal_type.items()):
        table.add_row(key, str(count))
    console.print(table)
    table = Table("category", "entries")
    for key, count in sorted(s.by_category.items()):
        table.add_row(key, str(count))
    console.print(table)


@bank.command("disable")
@click.argument("name")
@pass_app
def disable(app: App, name: str) -> None:
    """Stop matching against a bank (its entries are kept)."""
    service.set_enabled(app.store(), name, False)
    console.print(f"bank {name} disabled")


@bank.command("enable")
@click.argument("name")
@pass_app
def enable(app: App, name: str) -> None:
    """Match against a bank again."""
    service.set_enabled(app.store(), name, True)
    console.print(f"bank {name} enabled")


@bank.command("delete")
@click.argument("name")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_app
def delete(app: App, name: str, yes: bool) -> None:
    """Delete a bank, its entries and the matches against them."""
    if not yes:
        click.confirm(f"Delete bank {name} and the matches against it?", abort=True)
    removed = service.delete_bank(app.store(), name)
    console.print(f"bank {name} deleted ({removed} entries)")


@bank.command("export")
@click.argument("name")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(FORMATS)),
    default="csv",
    help="Output format (csv is HMA-compatible).",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    default=None,
    help="File to write (default: standard output).",
)
@pass_app
def export(app: App, name: str, fmt: str, output: Path | None) -> None:
    """Write a bank's entries as a hash list."""
    store = app.reader()
    store.banks.get(name)  # no output file is created for a bank that does not exist
    if output is None:
        service.export_bank(store, name, sys.stdout, fmt=fmt)
        return
    with output.open("w", encoding="utf-8", newline="") as out:
        count = service.export_bank(store, name, out, fmt=fmt)
    Console(stderr=True).print(f"{count} entries written to {output}", highlight=False)


def _stats_dict(s: BankStats) -> dict[str, object]:
    return {
        "name": s.bank.name,
        "enabled": s.bank.enabled,
        "provenance": asdict(s.bank.provenance),
        "scheme": s.bank.scheme,
        "description": s.bank.description,
        "created_at": s.bank.created_at,
        "entries": s.total,
        "imports": s.imports,
        "by_signal_type": s.by_signal_type,
        "by_category": s.by_category,
    }
