"""``crible graph``: the investigation's network, for Gephi and other link-analysis tools."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from crible.analysis.export import FORMATS, write_graph
from crible.analysis.graph import LAYERS, annotate, build_graph
from crible.cli.context import App, pass_app


def _layers(_ctx: click.Context, _param: click.Parameter, value: str) -> tuple[str, ...]:
    chosen = tuple(name.strip() for name in value.split(",") if name.strip())
    unknown = [name for name in chosen if name not in LAYERS]
    if unknown or not chosen:
        raise click.BadParameter(f"choose among {', '.join(LAYERS)} (got {value!r})")
    return chosen


@click.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="gexf",
    show_default=True,
    help="GEXF and GraphML open in Gephi; JSON is networkx node-link data.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write (default: standard output).",
)
@click.option(
    "--layers",
    default=",".join(LAYERS),
    show_default=True,
    callback=_layers,
    help="Comma-separated layers to include.",
)
@click.option(
    "--near",
    type=click.IntRange(0, 255),
    default=31,
    show_default=True,
    help="PDQ distance under which two different files count as the same media.",
)
@click.option(
    "--scores/--no-scores",
    default=True,
    show_default=True,
    help="Give account nodes their priority score, rank and Leiden community (for colouring).",
)
@pass_app
def graph(
    app: App, fmt: str, output: Path | None, layers: tuple[str, ...], near: int, scores: bool
) -> None:
    """Export the network of accounts, chats and media, one edge layer per relation."""
    store = app.reader()
    built = build_graph(store, layers, near=near)
    if scores:
        from crible.services.suspects import analyse

        annotate(built, analyse(store))
    if output is None:
        write_graph(built, sys.stdout.buffer, fmt)
        sys.stdout.buffer.flush()
        return
    with output.open("wb") as stream:
        write_graph(built, stream, fmt)
    click.echo(
        f"{built.number_of_nodes()} nodes, {built.number_of_edges()} edges written to {output}",
        err=True,
    )
