"""``crible suspects`` and ``crible account``: the ranking with its reasons, and a profile."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from crible.cli.context import App, pass_app
from crible.cli.render import make_console, plain, progress_wanted
from crible.cli.review import cluster_table
from crible.services.network_pictures import (
    key_player_picture,
    network_picture,
    timeline_picture,
)
from crible.services.profile import AccountProfile, account_profile
from crible.services.suspects import STEPS, Analysis, AnalysisSettings, analyse
from crible.store import Store

console = make_console()


def _settings_options(command: Any) -> Any:
    command = click.option(
        "--keywords",
        "keywords",
        multiple=True,
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="Operator keyword list (one term a line; repeatable). Kept outside the repository.",
    )(command)
    return click.option(
        "--weights",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        envvar="CRIBLE_WEIGHTS",
        default=None,
        help="TOML file with a [weights] table overriding the default weights ($CRIBLE_WEIGHTS).",
    )(command)


@contextmanager
def _progress() -> Iterator[Any]:
    """A step-by-step bar on a terminal (or with CRIBLE_PROGRESS=1)."""
    if not progress_wanted():
        yield lambda _name: None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("analysing", total=len(STEPS))
        started = [False]

        def step(name: str) -> None:
            bar.update(task, description=name, advance=1 if started[0] else 0)
            started[0] = True

        yield step


def _analyse(store: Store, weights: Path | None, keywords: tuple[Path, ...]) -> Analysis:
    settings = AnalysisSettings.from_files(weights, keywords)
    with _progress() as step:
        return analyse(store, settings, step)


def _write(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    click.echo(f"picture written to {path}", err=True)


@click.command()
@click.option("--top", type=click.IntRange(1), default=20, show_default=True, help="Rows shown.")
@click.option(
    "--reasons", type=click.IntRange(1), default=3, show_default=True, help="Reasons per row."
)
@click.option(
    "--picture",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the network picture (PNG): communities coloured, suspects sized by score.",
)
@click.option(
    "--curve",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the key-player curve (PNG): reach of known material as accounts go.",
)
@click.option("--json", "as_json", is_flag=True, help="Print every ranked account as JSON.")
@_settings_options
@pass_app
def suspects(
    app: App,
    top: int,
    reasons: int,
    picture: Path | None,
    curve: Path | None,
    as_json: bool,
    weights: Path | None,
    keywords: tuple[Path, ...],
) -> None:
    """Rank the accounts of the investigation by an explained score, with the top reasons."""
    analysis = _analyse(app.reader(), weights, keywords)
    if picture:
        _write(picture, network_picture(analysis))
    if curve:
        _write(curve, key_player_picture(analysis))
    if as_json:
        click.echo(json.dumps([asdict(s) for s in analysis.suspects], indent=2, default=str))
        return
    for s in analysis.suspects[:top]:
        label = (
            f"{s.name} ({s.key}, id {s.account_id})" if s.name else f"{s.key} (id {s.account_id})"
        )
        community = "" if s.community is None else f"  community {s.community}"
        head = Text(f"{s.rank:>3}. ", style="bold") + plain(label)
        console.print(head + Text(f"  score {s.score:.1f}{community}"), soft_wrap=True)
        for r in s.reasons[:reasons]:
            console.print(Text(f"     {r.points:>6.1f}  ") + plain(r.text), soft_wrap=True)
    measures = analysis.measures
    if measures.reach:
        steps = [1, 3, 5, 10, 25]
        left = {n: measures.key_players[n - 1][1] for n in steps if n <= len(measures.key_players)}
        console.print(
            "key players: reach of known material left after removing "
            + ", ".join(f"{n}: {share / measures.reach:.0%}" for n, share in left.items()),
            soft_wrap=True,
        )
    shown = min(top, len(analysis.suspects))
    console.print(
        f"{shown} of {len(analysis.suspects)} accounts; {len(analysis.new_media)} new media "
        f"files to review first; see `crible account ID` for the evidence"
    )


def _when(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if value else "?"


@click.command()
@click.argument("account_id", type=int)
@click.option(
    "--timeline",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the activity timeline picture (PNG).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the profile as JSON.")
@_settings_options
@pass_app
def account(
    app: App,
    account_id: int,
    timeline: Path | None,
    as_json: bool,
    weights: Path | None,
    keywords: tuple[Path, ...],
) -> None:
    """Profile of one account (its id from `crible suspects`): identities, chats, known files
    posted, and each indicator with the messages that support it."""
    store = app.reader()
    analysis = _analyse(store, weights, keywords)
    profile = account_profile(store, account_id, analysis=analysis)
    if timeline:
        _write(timeline, timeline_picture(profile))
    if as_json:
        click.echo(json.dumps(asdict(profile), indent=2, default=str))
        return
    _print_profile(profile)


def _print_profile(profile: AccountProfile) -> None:
    view, suspect = profile.account, profile.suspect
    console.print(plain(f"account {view.id}: {view.platform} {view.key}"))
    for label, values in (
        ("names", view.names),
        ("usernames", view.usernames),
        ("phones", view.phones),
    ):
        if values:
            console.print(plain(f"  {label}: {' / '.join(values)}"))
    if suspect:
        console.print(f"  rank {suspect.rank} of {profile.ranked}, score {suspect.score:.1f}")
    else:
        console.print("  no indicator: not ranked")
    chats = Table("chat", "messages", "member from", "until", title="chats")
    for part in profile.chats:
        chats.add_row(plain(part.name), str(part.messages), _when(part.joined), _when(part.left))
    console.print(chats)
    if profile.known:
        known = Table(
            "when", "chat", "sha256", "categories", "forwarded", title="known files posted"
        )
        for post in profile.known:
            known.add_row(
                _when(post.sent_at),
                plain(post.chat),
                post.sha256[:16],
                ", ".join(post.categories),
                "yes" if post.forwarded else "",
            )
        console.print(known)
    _print_new_media(profile)
    reasons = {r.indicator: r.points for r in suspect.reasons} if suspect else {}
    ordered = sorted(suspect.indicators if suspect else (), key=lambda i: -reasons.get(i.name, 0))
    for indicator in ordered:
        points = reasons.get(indicator.name, 0.0)
        console.print(plain(f"\n{indicator.name} ({points:.1f} points): {indicator.text}"))
        for message_id in indicator.messages[:10]:
            message = profile.messages.get(message_id)
            if message:
                text = message.text[:80] or message.action or ("[media]" if message.media else "")
                console.print(
                    plain(f"    #{message_id} {_when(message.sent_at)} {message.chat}: {text}")
                )
        if len(indicator.messages) > 10:
            console.print(f"    ... and {len(indicator.messages) - 10} more")
    for hit in profile.keyword_hits:
        console.print(
            plain(f"  keyword {hit.list_name}:{hit.term} in #{hit.message_id}: {hit.context}")
        )


def _print_new_media(profile: AccountProfile) -> None:
    """New media it posted first, and new media it re-posted, each with its cluster."""
    names = profile.names
    for items, head in (
        (profile.new_media, "new media first posted by this account"),
        (profile.reshared, "new media it re-posted (first posted by another account)"),
    ):
        if items:
            console.print(plain(f"\n{head}:"))
        for item in items:
            reshared = ", ".join(names.get(a, f"account {a}") for a in item.reshared_by)
            title = (
                f"{item.sha256[:16]} first posted {_when(item.first_posted_at)} by "
                f"{names.get(item.first_account_id, item.first_account_id)}"
                + (f"; re-shared by {reshared}" if reshared else "")
            )
            console.print(cluster_table(item.cluster, plain(title), names))
