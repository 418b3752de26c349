"""``crible export ...``: a case's standard reports (NCMEC XML, CASE/UCO, VICS) and dossiers."""

from __future__ import annotations

from pathlib import Path

import click

from crible.cli.context import App, pass_app
from crible.cli.review import default_reviewer
from crible.exports.ncmec_config import load_config
from crible.exports.registry import EXPORTS, ExportOptions
from crible.model.errors import UserError
from crible.services.exports import (
    Written,
    bundle_manifest_sha256,
    export_case,
    submit_ncmec,
    write_dossiers,
)

_ACTOR = click.option(
    "--actor",
    default=default_reviewer,
    show_default="$CRIBLE_REVIEWER or your user name",
    help="Who exports (recorded in the case's custody log).",
)
_OUT = click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write.",
)


@click.group("export")
def export() -> None:
    """Standard reports and dossiers of a case, from confirmed findings only."""


@export.command("formats")
def formats() -> None:
    """List the export formats."""
    for fmt in EXPORTS.values():
        click.echo(f"{fmt.name:14} {fmt.suffix:8} {fmt.description}")


@export.command("ncmec")
@click.argument("case_ref", metavar="CASE")
@click.option(
    "--config",
    "config_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Reporter (ESP) details, TOML or JSON (see crible.exports.ncmec_config).",
)
@_OUT
@click.option(
    "--submit",
    "submit_url",
    metavar="URL",
    default=None,
    help="Also send it to this CyberTipline API base URL "
    "(e.g. https://exttest.cybertip.org/ispws); credentials from "
    "$CRIBLE_NCMEC_USER and $CRIBLE_NCMEC_PASSWORD.",
)
@click.option(
    "--files",
    "files_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="With --submit: folder holding the confirmed files (found by SHA-256).",
)
@_ACTOR
@pass_app
def ncmec(
    app: App,
    case_ref: str,
    config_path: Path,
    out: Path,
    submit_url: str | None,
    files_dir: Path | None,
    actor: str,
) -> None:
    """Write the NCMEC CyberTipline report XML of a platform case (validated against the XSD)."""
    config = load_config(config_path)
    if submit_url and files_dir is None:
        raise UserError("--submit needs --files: NCMEC receives the files themselves")
    store = app.store()
    _echo(
        export_case(store, case_ref, "ncmec", out, options=ExportOptions(ncmec=config), actor=actor)
    )
    if submit_url and files_dir is not None:
        sent = submit_ncmec(
            store, case_ref, config, base_url=submit_url, files=files_dir, actor=actor
        )
        click.echo(f"NCMEC report {sent.report_id} finished with {len(sent.files)} file(s)")
        if sent.unlisted:
            click.echo(f"warning: NCMEC did not list {', '.join(sent.unlisted)}", err=True)


@export.command("caseuco")
@click.argument("case_ref", metavar="CASE")
@_OUT
@_ACTOR
@pass_app
def caseuco(app: App, case_ref: str, out: Path, actor: str) -> None:
    """Write the CASE/UCO JSON-LD of a case."""
    _echo(export_case(app.store(), case_ref, "caseuco", out, options=ExportOptions(), actor=actor))


@export.command("vics")
@click.argument("case_ref", metavar="CASE")
@_OUT
@_ACTOR
@pass_app
def vics(app: App, case_ref: str, out: Path, actor: str) -> None:
    """Write the Project VIC VICS JSON of a case's confirmed files."""
    _echo(export_case(app.store(), case_ref, "vics", out, options=ExportOptions(), actor=actor))


@export.command("dossier")
@click.argument("case_ref", metavar="CASE")
@click.option(
    "--lang",
    type=click.Choice(["fr", "en"]),
    default="fr",
    show_default=True,
    help="Language of the dossier: French or English.",
)
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write the dossier(s) in.",
)
@click.option(
    "--suspect",
    "suspects",
    metavar="ACCOUNT",
    multiple=True,
    help="A dossier for this account (id or key) instead of the whole case; repeatable.",
)
@click.option(
    "--picture",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="PNG picture of the network to include.",
)
@click.option(
    "--bundle",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="The case's evidence bundle: its manifest's SHA-256 goes in the dossier.",
)
@click.option("--pdf/--no-pdf", default=True, show_default=True, help="Also write the PDF.")
@click.option(
    "--ranked/--not-ranked",
    default=True,
    show_default=True,
    help="Run the network analysis for the suspects' scores, indicators and network picture.",
)
@_ACTOR
@pass_app
def dossier(
    app: App,
    case_ref: str,
    lang: str,
    out_dir: Path,
    suspects: tuple[str, ...],
    picture: Path | None,
    bundle: Path | None,
    pdf: bool,
    ranked: bool,
    actor: str,
) -> None:
    """Write the dossier of a case for a prosecutor, HTML and PDF, in French or English."""
    options = ExportOptions(
        lang=lang,
        network_png=picture.read_bytes() if picture else None,
        manifest_sha256=bundle_manifest_sha256(bundle) if bundle else None,
    )
    written = write_dossiers(
        app.store(),
        case_ref,
        out_dir,
        options=options,
        actor=actor,
        suspects=list(suspects) or None,
        pdf=pdf,
        ranked=ranked,
    )
    for item in written:
        _echo(item)


def _echo(written: Written) -> None:
    click.echo(f"{written.path}  {written.size} bytes  SHA-256 {written.sha256}")
    for note in written.notes:
        click.echo(f"note: {note}", err=True)
