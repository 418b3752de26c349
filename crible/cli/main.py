"""The ``crible`` command: a thin shell over crible.services. Errors are mapped here, once."""

from __future__ import annotations

import sys

import click
from rich.console import Console

from crible.cli.context import App, pass_app
from crible.cli.lazy import LazyGroup
from crible.model.errors import BadInput, CribleError, UserError

EXIT_USER_ERROR = 2
EXIT_BAD_INPUT = 3

err_console = Console(stderr=True)


COMMANDS = {
    "account": "crible.cli.suspects:account",
    "accounts": "crible.cli.views:accounts",
    "audit": "crible.cli.audit:audit",
    "bank": "crible.cli.banks:bank",
    "case": "crible.cli.cases:case",
    "chats": "crible.cli.views:chats",
    "demo": "crible.cli.demo:demo",
    "export": "crible.cli.exports:export",
    "graph": "crible.cli.graph:graph",
    "hash": "crible.cli.scan:hash_command",
    "ingest": "crible.cli.ingest:ingest_group",
    "keys": "crible.cli.keys:keys",
    "media": "crible.cli.views:media",
    "messages": "crible.cli.views:messages",
    "results": "crible.cli.scan:results",
    "review": "crible.cli.review:review",
    "scan": "crible.cli.scan:scan",
    "serve": "crible.cli.serve:serve",
    "suspects": "crible.cli.suspects:suspects",
    "user": "crible.cli.users:user",
    "verify": "crible.cli.verify:verify",
}
"""Every command, imported only when it runs (the web server, PDF renderer and plotting
library are not loaded to hash a file)."""


@click.group(
    cls=LazyGroup,
    lazy=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"]},
)
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
