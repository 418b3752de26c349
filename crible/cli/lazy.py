"""A click group whose commands are imported only when used, so that ``crible hash`` does not
pay for the web server, the PDF renderer and the plotting library at every start."""

from __future__ import annotations

from importlib import import_module
from typing import Any

import click


class LazyGroup(click.Group):
    """Commands given as ``name -> "module:attribute"``, imported on first use.

    A two-word name (``"scan delete"``) is a subcommand of a command that is not a group
    (``crible scan PATHS`` scans; ``crible scan delete ID`` undoes a scan)."""

    def __init__(self, *args: Any, lazy: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = self.lazy.get(cmd_name)
        if target is None:
            return super().get_command(ctx, cmd_name)
        module, attribute = target.split(":")
        command = getattr(import_module(module), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{target} is not a click command")
        return command

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        if len(args) >= 2 and f"{args[0]} {args[1]}" in self.lazy:
            name = f"{args[0]} {args[1]}"
            return name, self.get_command(ctx, name), args[2:]
        return super().resolve_command(ctx, args)
