"""Export formats of a case file, by name (DESIGN convention 4: a small registry).

Each format is a pure function of a ``CaseFile`` and the ``ExportOptions`` it reads, giving
the bytes of one file. Adding a format is one renderer module plus one line in ``EXPORTS``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from crible.exports import caseuco, dossier, ncmec, ncmec_times, vics
from crible.exports.ncmec_config import NcmecConfig
from crible.model.cases import CaseFile
from crible.model.errors import UserError


@dataclass(frozen=True)
class ExportOptions:
    """What some formats need beyond the case file; each reads only its own."""

    lang: str = "fr"
    suspect: int | None = None
    """Dossier: narrow it to this account."""
    network_png: bytes | None = None
    manifest_sha256: str | None = None
    ncmec: NcmecConfig | None = None


@dataclass(frozen=True)
class ExportFormat:
    """A named renderer and the kind of file it writes."""

    name: str
    suffix: str
    media_type: str
    description: str
    render: Callable[[CaseFile, ExportOptions], bytes]
    notes: Callable[[CaseFile], tuple[str, ...]] | None = None
    """What the person exporting should know about what was written (never an error)."""


def _ncmec(case_file: CaseFile, options: ExportOptions) -> bytes:
    if options.ncmec is None:
        raise UserError("an NCMEC report needs the reporter's configuration (--config)")
    return ncmec.report_xml(case_file, options.ncmec)


def _dossier_html(case_file: CaseFile, options: ExportOptions) -> bytes:
    html = dossier.render_html(
        case_file,
        lang=options.lang,
        suspect=options.suspect,
        network_png=options.network_png,
        manifest_sha256=options.manifest_sha256,
    )
    return html.encode("utf-8")


def _dossier_pdf(case_file: CaseFile, options: ExportOptions) -> bytes:
    return dossier.render_pdf(
        case_file,
        lang=options.lang,
        suspect=options.suspect,
        network_png=options.network_png,
        manifest_sha256=options.manifest_sha256,
    )


EXPORTS: dict[str, ExportFormat] = {
    f.name: f
    for f in (
        ExportFormat(
            "ncmec",
            ".xml",
            "text/xml",
            "NCMEC CyberTipline report (platform cases), valid against NCMEC's XSD",
            _ncmec,
            ncmec_times.notes,
        ),
        ExportFormat(
            "caseuco",
            ".jsonld",
            "application/ld+json",
            "CASE/UCO JSON-LD: investigation, files with hashes, messages, accounts, provenance",
            lambda case_file, _options: caseuco.case_uco_json(case_file),
        ),
        ExportFormat(
            "vics",
            ".json",
            "application/json",
            "Project VIC VICS 2.0 JSON of the confirmed files' hashes and categories",
            lambda case_file, _options: vics.vics_json(case_file),
        ),
        ExportFormat(
            "dossier-html",
            ".html",
            "text/html",
            "Dossier for a prosecutor (French or English), one HTML page",
            _dossier_html,
        ),
        ExportFormat(
            "dossier-pdf",
            ".pdf",
            "application/pdf",
            "The same dossier as PDF",
            _dossier_pdf,
        ),
    )
}


def export_format(name: str) -> ExportFormat:
    """A format by name; UserError naming the known ones otherwise."""
    found = EXPORTS.get(name)
    if found is None:
        raise UserError(f"unknown export format {name!r} (known: {', '.join(EXPORTS)})")
    return found


def render(name: str, case_file: CaseFile, options: ExportOptions | None = None) -> bytes:
    """The bytes of one export of a case file."""
    return export_format(name).render(case_file, options or ExportOptions())
