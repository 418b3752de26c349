"""``crible case ...``: cases, their suspects and evidence, identification, routing, bundles."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.table import Table

from crible.cases.keys import PRIVATE, default_dir
from crible.cases.serialize import case_file_dict, to_json_ready
from crible.cli.context import App, CompletedWithErrors, pass_app
from crible.cli.render import dumps, make_console, plain
from crible.cli.review import default_reviewer
from crible.model.cases import Case, CaseFile, CaseKind
from crible.services import bundles, cases, routing

console = make_console()
_JSON = click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
_ACTOR = click.option(
    "--actor",
    default=default_reviewer,
    show_default="$CRIBLE_REVIEWER or your user name",
    help="Who does this (recorded in the custody log).",
)


@click.group("case")
def case() -> None:
    """Cases: confirmed evidence, suspects, routing to authorities, signed bundles."""


@case.command("create")
@click.argument("title")
@click.option(
    "--kind",
    type=click.Choice([k.value for k in CaseKind]),
    default=CaseKind.INVESTIGATION.value,
    show_default=True,
    help="investigation: a network case for prosecutors; platform: a report (NCMEC).",
)
@_ACTOR
@_JSON
@pass_app
def create(app: App, title: str, kind: str, actor: str, as_json: bool) -> None:
    """Open a case; prints its reference (CRB-YYYY-NNNN)."""
    made = cases.create_case(app.store(), title, kind=CaseKind(kind), actor=actor)
    click.echo(dumps(to_json_ready(made)) if as_json else made.reference)


@case.command("list")
@_JSON
@pass_app
def list_command(app: App, as_json: bool) -> None:
    """Every case, oldest first."""
    found = cases.list_cases(app.reader())
    if as_json:
        click.echo(dumps(to_json_ready(found)))
        return
    table = Table(title="cases")
    for name in ("reference", "kind"):
        table.add_column(name, no_wrap=True)
    for name in ("title", "authority", "routed from", "created (UTC)"):
        table.add_column(name)
    by_id = {c.id: c for c in found}
    for c in found:
        parent = by_id.get(c.parent_id) if c.parent_id else None
        table.add_row(
            c.reference,
            str(c.kind),
            plain(c.title),
            plain(c.authority.name) if c.authority else "",
            parent.reference if parent else "",
            f"{c.created_at:%Y-%m-%d %H:%M}",
        )
    console.print(table)


@case.command("show")
@click.argument("case_ref", metavar="CASE")
@_JSON
@pass_app
def show(app: App, case_ref: str, as_json: bool) -> None:
    """A case's suspects, evidence with provenance, custody and related files."""
    file = cases.case_file(app.reader(), case_ref)
    if as_json:
        click.echo(json.dumps(case_file_dict(file), indent=2, ensure_ascii=False))
        return
    _print_file(file)


@case.command("add-suspect")
@click.argument("case_ref", metavar="CASE")
@click.argument("account")
@_ACTOR
@pass_app
def add_suspect(app: App, case_ref: str, account: str, actor: str) -> None:
    """Put an account (store id or platform:key) in a case."""
    suspect = cases.add_suspect(app.store(), case_ref, account, actor=actor)
    click.echo(f"suspect account {suspect.account_id} ({suspect.platform} {suspect.key})")


@case.command("add-evidence")
@click.argument("case_ref", metavar="CASE")
@click.option("--media", "sha256", help="A confirmed media file, by SHA-256.")
@click.option("--message", "message_id", help="A message (id) carrying confirmed media.")
@click.option("--match", "match_id", help="A match (id) of a confirmed file.")
@click.option("--decision", "decision_id", help="A confirmation (decision id).")
@_ACTOR
@_JSON
@pass_app
def add_evidence(
    app: App,
    case_ref: str,
    sha256: str | None,
    message_id: str | None,
    match_id: str | None,
    decision_id: str | None,
    actor: str,
    as_json: bool,
) -> None:
    """Add one confirmed item with its provenance; unconfirmed items are refused."""
    given = {
        k: v
        for k, v in (
            ("media", sha256),
            ("message", message_id),
            ("match", match_id),
            ("decision", decision_id),
        )
        if v
    }
    if len(given) != 1:
        raise click.UsageError("give exactly one of --media, --message, --match, --decision")
    [(kind, ref)] = given.items()
    item = cases.add_evidence(app.store(), case_ref, kind, ref, actor=actor)
    if as_json:
        click.echo(dumps(to_json_ready(item)))
        return
    click.echo(f"evidence {item.id}: {item.description}")
    for step in item.provenance:
        click.echo(f"  {step.kind:9} {step.ref}: {step.detail}")


@case.command("identify")
@click.argument("csv_path", metavar="CSV", type=click.Path(path_type=Path))
@_ACTOR
@_JSON
@pass_app
def identify(app: App, csv_path: Path, actor: str, as_json: bool) -> None:
    """Import identification results (account,name,birth_date,address,commune,source)."""
    report = routing.import_identities(app.store(), csv_path, actor=actor)
    if as_json:
        click.echo(dumps(to_json_ready(report)))
    else:
        click.echo(f"{report.imported} identifications imported from {report.source}")
        for row in report.rejected:
            click.echo(f"{report.source}:{row.line}: field {row.field!r}: {row.reason}")
    if report.rejected:
        raise CompletedWithErrors()


@case.command("route")
@click.argument("case_ref", metavar="CASE")
@click.option(
    "--fr-table",
    type=click.Path(path_type=Path),
    help="Ministry of Justice table of territorial competences (Commune;Libellé;...;TJ).",
)
@click.option(
    "--rules",
    type=click.Path(path_type=Path),
    help="Other countries: country,region,code,authority.",
)
@_ACTOR
@_JSON
@pass_app
def route(
    app: App, case_ref: str, fr_table: Path | None, rules: Path | None, actor: str, as_json: bool
) -> None:
    """Split a network case into one case per competent authority."""
    result = routing.route_case(app.store(), case_ref, fr_table=fr_table, rules=rules, actor=actor)
    if as_json:
        click.echo(
            dumps(
                {
                    "parent": result.parent.reference,
                    "children": to_json_ready(result.children),
                    "routed": {k: list(v) for k, v in result.routed.items()},
                    "unrouted": [{"account_id": a, "reason": r} for a, r in result.unrouted],
                }
            )
        )
        return
    for child in result.children:
        who = ", ".join(str(a) for a in result.routed.get(child.reference, ()))
        name = child.authority.name if child.authority else ""
        console.print(plain(f"{child.reference}  {name}  (accounts {who})"))
    for account_id, reason in result.unrouted:
        console.print(plain(f"not routed: account {account_id}: {reason}"))


@case.command("export")
@click.argument("case_ref", metavar="CASE")
@click.option(
    "--bundle",
    "directory",
    required=True,
    type=click.Path(path_type=Path),
    help="New folder to write the signed BagIt bundle into.",
)
@click.option(
    "--include-media", is_flag=True, help="Copy the confirmed media files (off by default)."
)
@click.option(
    "--key",
    "key_path",
    type=click.Path(path_type=Path),
    default=None,
    help=f"The unit's private key (default: {PRIVATE} in $CRIBLE_KEY_DIR or ~/.crible/keys).",
)
@click.option("--unit", default="", help="Name of the exporting unit (bag-info).")
@_ACTOR
@_JSON
@pass_app
def export(
    app: App,
    case_ref: str,
    directory: Path,
    include_media: bool,
    key_path: Path | None,
    unit: str,
    actor: str,
    as_json: bool,
) -> None:
    """Write a signed evidence bundle of a case (recorded in its custody log)."""
    report = bundles.export_bundle(
        app.store(),
        case_ref,
        directory,
        key_path=key_path or default_dir() / PRIVATE,
        actor=actor,
        include_media=include_media,
        unit=unit,
    )
    if as_json:
        click.echo(dumps(to_json_ready(report)))
        return
    click.echo(f"bundle of {report.case_reference} written to {report.directory}")
    click.echo(
        f"{len(report.payload)} payload files; tag manifest SHA-256 {report.tagmanifest_sha256}"
    )
    click.echo(f"signed by key {report.key_fingerprint}")


def _print_file(file: CaseFile) -> None:
    c: Case = file.case
    console.print(plain(f"{c.reference}  {c.title}  ({c.kind})"))
    if c.authority:
        console.print(
            plain(f"authority: {c.authority.name} ({c.authority.country} {c.authority.code})")
        )
    for other in file.related:
        console.print(plain(f"related file: {other.reference} {other.title}"))
    suspects = Table(
        "account", "platform", "key", "names", "identity", "authority", title="suspects"
    )
    for s in file.suspects:
        who = f"{s.identity.full_name} ({s.identity.source})" if s.identity else ""
        suspects.add_row(
            str(s.account_id),
            s.platform,
            plain(s.key),
            plain(" / ".join(s.names)),
            plain(who),
            plain(s.authority.name if s.authority else ""),
        )
    console.print(suspects)
    for account_id, reason in file.unrouted:
        console.print(plain(f"not routed: account {account_id}: {reason}"))
    evidence = Table("id", "kind", "ref", "description", "added by", title="evidence")
    for e in file.evidence:
        evidence.add_row(str(e.id), e.kind, e.ref[:16], plain(e.description), plain(e.added_by))
    console.print(evidence)
    custody = Table("seq", "at (UTC)", "actor", "action", "detail", "hash", title="custody")
    for ev in file.custody:
        custody.add_row(
            str(ev.seq),
            f"{ev.at:%Y-%m-%d %H:%M:%S}",
            plain(ev.actor),
            ev.action,
            plain(ev.detail),
            ev.hash[:12],
        )
    console.print(custody)
