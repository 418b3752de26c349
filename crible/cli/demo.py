"""``crible demo``: the whole screening flow on generated, benign pictures."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table
from rich.text import Text

from crible.cli.context import App, pass_app
from crible.cli.render import make_console, plain, print_summary
from crible.services.demo import DemoResult, prepare_folder, run_demo

console = make_console()


@click.command()
@click.option(
    "--dir",
    "folder",
    type=click.Path(path_type=Path),
    default=Path("crible-demo"),
    show_default=True,
    help="Folder for the generated pictures (and the store).",
)
@click.option(
    "--pictures",
    type=click.IntRange(1, 10_000),
    default=200,
    show_default=True,
    help="How many pictures to generate.",
)
@click.option(
    "--listed",
    type=click.IntRange(1, 1000),
    default=20,
    show_default=True,
    help="How many of them go into the demo bank (edited copies are scanned).",
)
@click.option(
    "--workers",
    "-j",
    type=click.IntRange(0, 64),
    default=None,
    help="Hashing processes (default: one per core).",
)
@pass_app
def demo(app: App, folder: Path, pictures: int, listed: int, workers: int | None) -> None:
    """Generate benign pictures, list some in a demo bank, scan edited copies among the rest.

    The store is FOLDER/crible.db (SQLite) unless --db is given.
    """
    prepare_folder(folder)
    store = app.store(default=str(folder / "crible.db"))
    result = run_demo(
        store, folder, pictures=pictures, listed=listed, workers=workers, say=console.print
    )
    print_summary(console, result.summary)
    table = Table("edited copy", "edit", "found", title="what the demo expected")
    for path, edit in sorted(result.expected.items()):
        table.add_row(Path(path).name, edit, "yes" if path in result.found else "[red]no")
    console.print(table)
    console.print(
        f"found {len(result.found)} of {len(result.expected)} edited copies; "
        f"{len(result.false_matches)} unrelated pictures matched",
        highlight=False,
    )
    _print_investigation(result, store.url)
    if result.missed or result.false_matches:
        raise click.exceptions.Exit(1)


def _print_investigation(result: DemoResult, url: str) -> None:
    table = Table(
        "export",
        "status",
        "new messages",
        "merged",
        "media hashed",
        "matched",
        title="the generated investigation",
    )
    for report in result.ingests:
        table.add_row(
            Text(Path(report.path).relative_to(result.folder).as_posix(), overflow="fold"),
            report.status,
            str(report.messages_new),
            str(report.messages_merged),
            str(report.media.get("hashed", 0)),
            str(report.scan.matched_media if report.scan else 0),
        )
    console.print(table)
    if result.analysis:
        ranked = Table("rank", "account", "score", "first reason", title="top suspects")
        for s in result.analysis.suspects[:5]:
            why = s.reasons[0].text if s.reasons else ""
            ranked.add_row(
                str(s.rank), plain(f"{s.name} (id {s.account_id})"), f"{s.score:.1f}", plain(why)
            )
        console.print(ranked)
        console.print(
            f"pictures: {result.folder / 'network.png'}, "
            f"{result.folder / 'timeline-top-suspect.png'}",
            highlight=False,
            soft_wrap=True,
        )
    if result.cases:
        routed = Table("case file", "authority", "bundle", "dossier", title="routed case files")
        by_reference = {c.reference: c for c in result.cases.routing.children}
        for bundle in result.cases.bundles:
            child = by_reference.get(bundle.parent.name)
            authority = child.authority.name if child and child.authority else ""
            pdfs = [
                d for d in result.cases.dossiers if d.parent == bundle.parent and d.suffix == ".pdf"
            ]
            routed.add_row(
                bundle.parent.name,
                plain(authority),
                Text(str(bundle.relative_to(result.folder)), overflow="fold"),
                Text(str(pdfs[0].relative_to(result.folder)) if pdfs else "", overflow="fold"),
            )
        console.print(routed)
        for account_id, why in result.cases.routing.unrouted:
            console.print(plain(f"not routed: account {account_id}: {why}"))
    db = f"crible --db {url.removeprefix('sqlite:///')}"
    top = (
        result.analysis.suspects[0].account_id
        if result.analysis and result.analysis.suspects
        else 1
    )
    console.print("explore it:", highlight=False)
    for command in (
        "accounts",
        "chats",
        "messages --chat 'Group South'",
        "media --matched",
        "graph --format gexf -o network.gexf",
        f"suspects --keywords {result.folder / 'keywords-demo.txt'}",
        f"account {top} --timeline timeline.png",
        "review list",
        "case list",
        *(
            [f"verify {result.cases.bundles[0]} --key {result.folder / 'cases/keys/unit.pub'}"]
            if result.cases and result.cases.bundles
            else []
        ),
    ):
        console.print(f"  {db} {command}", highlight=False, soft_wrap=True)
