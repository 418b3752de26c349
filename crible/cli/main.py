"""The ``crible`` command: a thin shell over crible.services. Errors are mapped here, once."""

from __future__ import annotations

import os
import shlex
import sys
import traceback
from dataclasses import dataclass

import click
from rich.console import Console

from crible.cli.context import App, pass_app
from crible.cli.lazy import LazyGroup
from crible.model.errors import (
    BadInput,
    CribleError,
    Interrupted,
    StoreUnavailable,
    UserError,
)

EXIT_DONE = 0
EXIT_INTERNAL_ERROR = 1
EXIT_USER_ERROR = 2
EXIT_BAD_INPUT = 3
EXIT_NOT_INTACT = 4
EXIT_INTERRUPTED = 130

EXIT_CODES = {
    EXIT_DONE: "done",
    EXIT_INTERNAL_ERROR: "internal error, or a service crible relies on failed (the message "
    "says which; CRIBLE_DEBUG=1 or --debug shows the traceback)",
    EXIT_USER_ERROR: "usage: a wrong command, option, name or store (nothing was changed)",
    EXIT_BAD_INPUT: "done, but some input was rejected: each rejection is listed with its "
    "reason (notes never change the status)",
    EXIT_NOT_INTACT: "checked and not intact: `crible verify` or `crible audit verify` found "
    "a changed, added or removed item",
    EXIT_INTERRUPTED: "interrupted (Ctrl-C): what was done is kept; run the same command "
    "again to resume",
}
"""The exit status of every command (README.md and ``crible --help`` show this table)."""

err_console = Console(stderr=True, highlight=False)

_UNUSABLE_PATH = (
    FileNotFoundError,
    FileExistsError,
    IsADirectoryError,
    NotADirectoryError,
    PermissionError,
)


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
    "scan delete": "crible.cli.undo:scan_delete",
    "serve": "crible.cli.serve:serve",
    "suspects": "crible.cli.suspects:suspects",
    "user": "crible.cli.users:user",
    "verify": "crible.cli.verify:verify",
}
"""Every command, imported only when it runs (the web server, PDF renderer and plotting
library are not loaded to hash a file)."""


def _exit_table() -> str:
    lines = [f"  {code:>3}  {meaning}" for code, meaning in EXIT_CODES.items()]
    return "\b\nExit status:\n" + "\n".join(lines)


@dataclass
class _Edge:
    """What the edge needs after the command has gone: whether to show tracebacks."""

    debug: bool = False


_edge = _Edge()


def _set_debug(_ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
    _edge.debug = _edge.debug or value
    return value


@click.group(
    cls=LazyGroup,
    lazy=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog=_exit_table(),
)
@click.option(
    "--db",
    "db_url",
    envvar="CRIBLE_DB",
    default=None,
    help="Store URL or SQLite file path (default: $CRIBLE_DB, else ./crible.db).",
)
@click.option(
    "--debug",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_set_debug,
    help="Show the traceback of an internal error (or set CRIBLE_DEBUG=1).",
)
@click.version_option(package_name="crible")
@click.pass_context
def cli(ctx: click.Context, db_url: str | None) -> None:
    """crible: screen media against trusted hash lists.

    Commands that only show (results, accounts, messages, suspects, case show, ...) open
    the store read-only: they never create, migrate or change it, and work on a
    write-blocked copy.
    """
    ctx.obj = App(db_url)
    ctx.call_on_close(ctx.obj.close)


@cli.group()
def db() -> None:
    """Manage the store's schema (Alembic migrations; commands that change the store also
    upgrade it on open, commands that only read never do)."""


@db.command("upgrade")
@pass_app
def db_upgrade(app: App) -> None:
    """Create or migrate the store to the newest schema."""
    store = app.store()
    click.echo(f"store at {store.url} is up to date")


def _fail(label: str, message: object) -> None:
    err_console.print(f"[red]{label}:[/red] ", end="", soft_wrap=True)
    err_console.print(str(message), markup=False, soft_wrap=True)


def _again() -> str:
    return shlex.join(["crible", *sys.argv[1:]])


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script: run the CLI and map errors to exit codes, once."""
    _edge.debug = os.environ.get("CRIBLE_DEBUG", "") not in ("", "0")
    try:
        code = cli.main(args=argv, prog_name="crible", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(EXIT_USER_ERROR)
    except Interrupted as exc:
        _fail("interrupted", f"{exc}; run the same command again to resume: {_again()}")
        sys.exit(EXIT_INTERRUPTED)
    except KeyboardInterrupt:
        _fail("interrupted", f"run the same command again to resume: {_again()}")
        sys.exit(EXIT_INTERRUPTED)
    except click.exceptions.Abort as exc:
        if isinstance(exc.__cause__, KeyboardInterrupt):
            _fail("interrupted", f"run the same command again to resume: {_again()}")
            sys.exit(EXIT_INTERRUPTED)
        _fail("aborted", "nothing was changed")
        sys.exit(EXIT_USER_ERROR)
    except (UserError, StoreUnavailable) as exc:
        _fail("error", exc)
        sys.exit(EXIT_USER_ERROR)
    except BadInput as exc:
        _fail("bad input", exc)
        sys.exit(EXIT_BAD_INPUT)
    except CribleError as exc:
        _fail("error", exc)
        sys.exit(EXIT_INTERNAL_ERROR)
    except _UNUSABLE_PATH as exc:  # a path given on the command line cannot be used
        _fail("error", _os_message(exc))
        sys.exit(EXIT_USER_ERROR)
    except OSError as exc:  # the system failed (disk full, I/O error)
        _debug_traceback()
        _fail("error", _os_message(exc))
        sys.exit(EXIT_INTERNAL_ERROR)
    except Exception as exc:
        _debug_traceback()
        hint = "" if _edge.debug else " (CRIBLE_DEBUG=1 or --debug shows the traceback)"
        first = (str(exc).strip().splitlines() or [""])[0]
        _fail("internal error", f"{type(exc).__name__}: {first}{hint}")
        sys.exit(EXIT_INTERNAL_ERROR)
    sys.exit(code if isinstance(code, int) else EXIT_DONE)


def _debug_traceback() -> None:
    if _edge.debug:
        traceback.print_exc()


def _os_message(exc: OSError) -> str:
    where = f": {exc.filename}" if exc.filename else ""
    return f"{exc.strerror or exc}{where}"
