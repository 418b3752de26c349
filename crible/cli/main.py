"""The ``crible`` command: a thin shell over crible.services. Errors are mapped here, once."""

from __future__ import annotations

import sys

import click
from rich.console import Console

from crible.cli.banks import bank
from crible.cli.cases import case
from crible.cli.context import App, pass_app
from crible.cli.demo import demo
from crible.cli.exports import export
from crible.cli.graph import graph
from crible.cli.ingest import ingest_group
from crible.cli.keys import keys
from crible.cli.review import review
from crible.cli.scan import hash_command, results, scan
from crible.cli.suspects import account, suspects
from crible.cli.verify import verify
from crible.cli.views import accounts, chats, media, messages
from crible.model.errors import BadInput, CribleError, UserError

EXIT_USER_ERROR = 2
EXIT_BAD_INPUT = 3

err_console = Console(stderr=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    "db_url",
    envvar="CRIBLE_DB",
    default=None,
    help="Store URL or SQLite file path (default: $CRIBLE_DB, else ./crible.db).",
)
@click.version_option(package_name="crible")
@click.pass_context
def cli(ctx: click.Context, db_url: str | None) -> None:
    """crible: screen media against trusted hash lists.

    Exit status: 0 done; 2 the command was used wrongly; 3 some input was rejected
    (the rest was processed, each rejection is listed with its reason).
    """
    ctx.obj = App(db_url)
    ctx.call_on_close(ctx.obj.close)


@cli.group()
def db() -> None:
    """Manage the store's schema (Alembic migrations; every command also upgrades on open)."""


@db.command("upgrade")
@pass_app
def db_upgrade(app: App) -> None:
    """Create or migrate the store to the newest schema."""
    store = app.store()
    click.echo(f"store at {store.url} is up to date")


cli.add_command(bank)
cli.add_command(scan)
cli.add_command(results)
cli.add_command(hash_command)
cli.add_command(demo)
cli.add_command(ingest_group)
cli.add_command(graph)
cli.add_command(suspects)
cli.add_command(account)
cli.add_command(export)
cli.add_command(review)
cli.add_command(case)
cli.add_command(keys)
cli.add_command(verify)
for view in (accounts, chats, messages, media):
    cli.add_command(view)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script: run the CLI and map errors to exit codes."""
    try:
        code = cli.main(args=argv, prog_name="crible", standalone_mode=False)
    except click.exceptions.Abort:
        err_console.print("aborted")
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(EXIT_USER_ERROR)
    except UserError as exc:
        err_console.print(f"[red]error:[/red] {exc}", highlight=False)
        sys.exit(EXIT_USER_ERROR)
    except BadInput as exc:
        err_console.print(f"[red]bad input:[/red] {exc}", highlight=False)
        sys.exit(EXIT_BAD_INPUT)
    except CribleError as exc:
        err_console.print(f"[red]error:[/red] {exc}", highlight=False)
        sys.exit(1)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    sys.exit(code if isinstance(code, int) else 0)
