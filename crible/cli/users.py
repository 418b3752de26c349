"""``crible user ...``: accounts and API tokens (there are no default credentials)."""

from __future__ import annotations

import json
import sys

import click
from rich.table import Table

from crible.cli.context import App, pass_app
from crible.cli.render import make_console, plain
from crible.model.users import Role
from crible.services import auth
from crible.services.audit import local_actor

console = make_console()


@click.group("user")
def user() -> None:
    """Add, list, disable accounts and make API tokens."""


@user.command("add")
@click.argument("name")
@click.option(
    "--role", type=click.Choice([r.value for r in Role]), required=True, help="What it may do."
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--no-password", is_flag=True, help="No password (a platform using tokens only).")
@pass_app
def user_add(app: App, name: str, role: str, password_stdin: bool, no_password: bool) -> None:
    """Create an account (the password is prompted for unless given on stdin)."""
    password: str | None
    if no_password:
        password = None
    elif password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("password", hide_input=True, confirmation_prompt=True)
    created = auth.add_user(app.store(), name, Role(role), password, actor=local_actor())
    click.echo(f"user {created.name} added with role {created.role}")


@user.command("token")
@click.argument("name")
@click.option("--label", default="", help="What the token is for.")
@pass_app
def user_token(app: App, name: str, label: str) -> None:
    """Make an API token for an account and print it (once: only its hash is kept)."""
    click.echo(auth.new_token(app.store(), name, label=label, actor=local_actor()))


@user.command("revoke-tokens")
@click.argument("name")
@pass_app
def user_revoke(app: App, name: str) -> None:
    """Revoke every API token of an account."""
    count = auth.revoke_tokens(app.store(), name, actor=local_actor())
    click.echo(f"{count} token(s) of {name} revoked")


@user.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_app
def user_list(app: App, as_json: bool) -> None:
    """List accounts with their roles."""
    found = auth.users(app.reader()).all()
    if as_json:
        rows = [
            {
                "name": u.name,
                "role": str(u.role),
                "disabled": u.disabled,
                "password": u.has_password,
            }
            for u in found
        ]
        click.echo(json.dumps(rows, indent=2))
        return
    table = Table("name", "role", "state", "password")
    for u in found:
        state = "disabled" if u.disabled else "enabled"
        table.add_row(plain(u.name), str(u.role), state, "yes" if u.has_password else "no")
    console.print(table)


@user.command("disable")
@click.argument("name")
@pass_app
def user_disable(app: App, name: str) -> None:
    """Disable an account: its sessions end and its tokens stop working."""
    auth.set_disabled(app.store(), name, True, actor=local_actor())
    click.echo(f"user {name} disabled")


@user.command("enable")
@click.argument("name")
@pass_app
def user_enable(app: App, name: str) -> None:
    """Enable a disabled account again."""
    auth.set_disabled(app.store(), name, False, actor=local_actor())
    click.echo(f"user {name} enabled")


@user.command("password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@pass_app
def user_password(app: App, name: str, password_stdin: bool) -> None:
    """Set an account's password."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("password", hide_input=True, confirmation_prompt=True)
    auth.set_password(app.store(), name, password, actor=local_actor())
    click.echo(f"password of {name} set")
