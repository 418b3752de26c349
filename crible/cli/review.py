"""``crible review ...``: the review queue and reviewers' decisions."""

from __future__ import annotations

import getpass
import os
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any

import click
from rich.table import Table
from rich.text import Text

from crible.cli.context import App, pass_app
from crible.cli.render import dumps, make_console, plain
from crible.model.decisions import Decision, ReviewItem, ReviewStatus, Verdict
from crible.model.suspects import ClusterMember
from crible.services import review as service

console = make_console()
_JSON = click.option("--json", "as_json", is_flag=True, help="Print as JSON.")


def default_reviewer() -> str:
    """$CRIBLE_REVIEWER, else the name of the user running crible."""
    return os.environ.get("CRIBLE_REVIEWER") or getpass.getuser()


_REVIEWER = click.option(
    "--reviewer",
    default=default_reviewer,
    show_default="$CRIBLE_REVIEWER or your user name",
    help="Who decides.",
)
_NOTE = click.option("--note", default="", help="Why (kept with the decision).")


def _settings(ctx: click.Context) -> service.ReviewSettings:
    """--confirmations if given, else the store's own setting (resolved by the service)."""
    confirmations: int | None = ctx.find_root().meta.get("crible.review.confirmations")
    if confirmations is None:
        return service.DEFAULT
    return service.ReviewSettings(required_confirmations=confirmations)


@click.group()
@click.option(
    "--confirmations",
    type=click.IntRange(1, 5),
    envvar="CRIBLE_REQUIRED_CONFIRMATIONS",
    default=None,
    help="Distinct reviewers needed to confirm a file, for this command only "
    "(default: the store's setting, see `crible review settings`).",
)
@click.pass_context
def review(ctx: click.Context, confirmations: int | None) -> None:
    """Review matched and new files: list the queue, confirm, reject or escalate."""
    ctx.find_root().meta["crible.review.confirmations"] = confirmations


@review.command("list")
@click.option(
    "--status",
    type=click.Choice(["open", *(s.value for s in ReviewStatus), "all"]),
    default="open",
    show_default=True,
    help="Files in this state (open: pending, awaiting a second reviewer or escalated).",
)
@click.option("--category", help="Only files of this category, e.g. VIC-US:1.")
@click.option(
    "--limit", type=click.IntRange(1), default=50, show_default=True, help="At most so many files."
)
@click.option("--offset", type=click.IntRange(0), default=0, help="Skip the first so many.")
@_JSON
@pass_app
@click.pass_context
def list_command(
    ctx: click.Context,
    app: App,
    status: str,
    category: str | None,
    limit: int,
    offset: int,
    as_json: bool,
) -> None:
    """The review queue, most urgent first (new media, severe categories, most matches)."""
    items = service.review_queue(
        app.reader(),
        status=_statuses(status),
        category=category,
        limit=limit,
        offset=offset,
        settings=_settings(ctx),
    )
    if as_json:
        click.echo(dumps([item_dict(i) for i in items]))
        return
    table = Table("sha256", "status", "priority", "categories", "matches", "why", title="review")
    for item in items:
        table.add_row(
            item.sha256[:16],
            str(item.status),
            str(item.priority),
            ", ".join(str(c) for c in item.categories),
            str(len(item.match_ids)),
            plain("; ".join(item.reasons)),
        )
    console.print(table)


@review.command("show")
@click.argument("sha256")
@_JSON
@pass_app
@click.pass_context
def show(ctx: click.Context, app: App, sha256: str, as_json: bool) -> None:
    """One file's reasons, matches and decisions (never its picture)."""
    item = service.review_item(app.reader(), sha256, settings=_settings(ctx))
    if as_json:
        click.echo(dumps(item_dict(item)))
        return
    console.print(f"{item.sha256}  [bold]{item.status}[/bold]  priority {item.priority}")
    console.print("video" if item.is_video else "picture")
    for reason in item.reasons:
        console.print(plain(f"- {reason}"))
    if len(item.cluster) > 1:
        console.print(cluster_table(item.cluster, "the same picture: its perceptual cluster"))
    if item.decisions:
        table = Table("id", "when (UTC)", "reviewer", "verdict", "category", "entry", "note")
        for d in item.decisions:
            table.add_row(
                str(d.id),
                f"{d.decided_at:%Y-%m-%d %H:%M}",
                plain(d.reviewer),
                str(d.verdict),
                str(d.category or ""),
                str(d.entry_id or ""),
                plain(d.note),
            )
        console.print(table)


@review.command("confirm")
@click.argument("sha256")
@click.option("--category", required=True, help="Category in a scheme, e.g. VIC-US:1.")
@_REVIEWER
@_NOTE
@_JSON
@pass_app
@click.pass_context
def confirm(
    ctx: click.Context,
    app: App,
    sha256: str,
    category: str,
    reviewer: str,
    note: str,
    as_json: bool,
) -> None:
    """Confirm a file is what it matched, in a category (four-eyes: two reviewers)."""
    decision = service.decide(
        app.store(),
        sha256,
        Verdict.CONFIRM,
        reviewer,
        category=service.parse_category(category),
        note=note,
        settings=_settings(ctx),
    )
    _report(ctx, app, decision, as_json)


@review.command("reject")
@click.argument("sha256")
@click.option("--entry", "entry_id", type=int, help="Only this bank entry (default: all matched).")
@_REVIEWER
@_NOTE
@_JSON
@pass_app
@click.pass_context
def reject(
    ctx: click.Context,
    app: App,
    sha256: str,
    entry_id: int | None,
    reviewer: str,
    note: str,
    as_json: bool,
) -> None:
    """A false match: the entry no longer matches in this store; kept as provider feedback."""
    decision = service.decide(
        app.store(),
        sha256,
        Verdict.REJECT,
        reviewer,
        entry_id=entry_id,
        note=note,
        settings=_settings(ctx),
    )
    _report(ctx, app, decision, as_json)


@review.command("escalate")
@click.argument("sha256")
@_REVIEWER
@_NOTE
@_JSON
@pass_app
@click.pass_context
def escalate(
    ctx: click.Context, app: App, sha256: str, reviewer: str, note: str, as_json: bool
) -> None:
    """Pass a file to a senior reviewer."""
    decision = service.decide(
        app.store(), sha256, Verdict.ESCALATE, reviewer, note=note, settings=_settings(ctx)
    )
    _report(ctx, app, decision, as_json)


@review.command("feedback")
@click.option("--bank", help="Only rejections of this bank's entries.")
@_JSON
@pass_app
def feedback(app: App, bank: str | None, as_json: bool) -> None:
    """Rejected matches, one per suppressed entry, to report back to list providers."""
    found = list(service.provider_feedback(app.reader(), bank))
    if as_json:
        click.echo(dumps([decision_dict(d) for d in found]))
        return
    table = Table("decision", "when (UTC)", "sha256", "entry", "reviewer", "note", title="feedback")
    for d in found:
        table.add_row(
            str(d.id),
            f"{d.decided_at:%Y-%m-%d %H:%M}",
            d.sha256[:16],
            str(d.entry_id),
            plain(d.reviewer),
            plain(d.note),
        )
    console.print(table)


def _statuses(name: str) -> ReviewStatus | frozenset[ReviewStatus] | None:
    if name == "all":
        return None
    return service.OPEN if name == "open" else ReviewStatus(name)


def _report(ctx: click.Context, app: App, decision: Decision, as_json: bool) -> None:
    status = service.file_status(app.store(), decision.sha256, settings=_settings(ctx))
    if as_json:
        click.echo(dumps({"decision": decision_dict(decision), "status": str(status)}))
        return
    click.echo(
        f"decision {decision.id}: {decision.verdict} by {decision.reviewer}; "
        f"{decision.sha256[:16]}... is now {status}"
    )


def cluster_table(
    cluster: Sequence[ClusterMember], title: str | Text, names: Mapping[int, str] | None = None
) -> Table:
    """The files of a perceptual cluster: distance to the first file, first post, posters."""
    table = Table("sha256", "distance", "signal", "first posted (UTC)", "posted by", title=title)
    for position, member in enumerate(cluster):
        shares = f" ({member.shares[0]:.0%}/{member.shares[1]:.0%})" if member.shares else ""
        when = member.first_posted_at
        table.add_row(
            member.sha256[:16],
            ("0 (first)" if position == 0 else str(member.distance)) + shares,
            member.signal or "exact only",
            f"{when:%Y-%m-%d %H:%M}" if when else "?",
            plain(", ".join((names or {}).get(a, f"account {a}") for a in member.posted_by)),
        )
    return table


def decision_dict(decision: Decision) -> dict[str, Any]:
    """A JSON-ready decision."""
    data = asdict(decision)
    data["category"] = str(decision.category) if decision.category else None
    data["verdict"] = str(decision.verdict)
    return data


def item_dict(item: ReviewItem) -> dict[str, Any]:
    """A JSON-ready review item."""
    return {
        "sha256": item.sha256,
        "status": str(item.status),
        "priority": item.priority,
        "reasons": list(item.reasons),
        "categories": [str(c) for c in item.categories],
        "match_ids": list(item.match_ids),
        "is_video": item.is_video,
        "decisions": [decision_dict(d) for d in item.decisions],
        "cluster": [asdict(member) for member in item.cluster],
    }


@review.command("settings")
@click.option(
    "--confirmations",
    "count",
    type=click.IntRange(1, 5),
    default=None,
    help="Set how many distinct reviewers must confirm a file in this store (2: four-eyes).",
)
@click.option("--actor", default=default_reviewer, help="Who changes it (for the audit log).")
@pass_app
def settings_command(app: App, count: int | None, actor: str) -> None:
    """Show or set the store's review settings (the same for the CLI, the web app and cases)."""
    store = app.store() if count is not None else app.reader()
    if count is not None:
        service.set_required_confirmations(store, count, actor)
    current = service.review_settings(store).required_confirmations
    four_eyes = "four-eyes" if current >= 2 else "one reviewer is enough"
    click.echo(f"required confirmations: {current} ({four_eyes})")
