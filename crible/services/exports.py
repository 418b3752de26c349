"""Export use cases: render a stored case in a format, write it, log it in the case's custody.

The renderers are pure; this module is the imperative shell the CLI (and later the API)
calls: it builds the case file (``crible.services.cases.case_file``), writes what the
renderer returns, and appends one custody entry per file written or report sent.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from crible.exports.ncmec_client import Endpoint, NcmecClient, SentReport, send_report
from crible.exports.ncmec_config import NcmecConfig
from crible.exports.registry import ExportOptions, export_format
from crible.model.audit import AuditAction
from crible.model.cases import CaseFile, CaseSuspect, ConfirmedMedia
from crible.model.errors import NotFound, UserError
from crible.services import audit, cases
from crible.signals.crypto import hash_file
from crible.store import Store

USER_ENV = "CRIBLE_NCMEC_USER"
PASSWORD_ENV = "CRIBLE_NCMEC_PASSWORD"
MANIFESTS = ("tagmanifest-sha256.txt", "manifest-sha256.txt")


@dataclass(frozen=True)
class Written:
    """One file an export wrote."""

    path: Path
    sha256: str
    size: int
    notes: tuple[str, ...] = ()
    """What the person exporting should know (e.g. a time the report leaves out, and why)."""


def export_case(
    store: Store, case_ref: str, fmt: str, out: Path, *, options: ExportOptions, actor: str
) -> Written:
    """Render a case in ``fmt``, write it to ``out`` and record it in the custody log."""
    case_file = cases.case_file(store, case_ref)
    found = export_format(fmt)
    written = _write(out, found.render(case_file, options))
    _log(store, case_file, actor, f"{fmt} export", written)
    return replace(written, notes=found.notes(case_file) if found.notes else ())


def write_dossiers(
    store: Store,
    case_ref: str,
    directory: Path,
    *,
    options: ExportOptions,
    actor: str,
    suspects: list[str] | None = None,
    pdf: bool = True,
    ranked: bool = True,
) -> list[Written]:
    """The dossier of the case (``suspects`` None) or of each named account, HTML and PDF.

    With ``ranked``, the network analysis gives each suspect its score and reasons
    (indicators), and its picture of the network when ``options`` has none.
    """
    case_file = cases.case_file(store, case_ref)
    if ranked:
        case_file, options = _with_analysis(store, case_file, options)
    targets: list[CaseSuspect | None] = (
        [None] if suspects is None else [find_suspect(case_file, s) for s in suspects]
    )
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for target in targets:
        chosen = replace(options, suspect=target.account_id if target else None)
        stem = (
            f"{case_file.case.reference}-{_safe(target.key) + '-' if target else ''}{options.lang}"
        )
        formats = ["dossier-html", *(["dossier-pdf"] if pdf else [])]
        for fmt in formats:
            found = export_format(fmt)
            out = directory / f"{stem}{found.suffix}"
            done = _write(out, found.render(case_file, chosen))
            _log(store, case_file, actor, f"{fmt} export", done)
            written.append(done)
    return written


def submit_ncmec(
    store: Store,
    case_ref: str,
    config: NcmecConfig,
    *,
    base_url: str,
    files: Path,
    actor: str,
) -> SentReport:
    """Send a platform case to NCMEC (credentials from $CRIBLE_NCMEC_USER/_PASSWORD).

    The confirmed files' bytes are looked for in ``files`` by SHA-256; all must be found
    before anything is sent. The custody log records the report only once NCMEC finished it.
    """
    username, password = os.environ.get(USER_ENV), os.environ.get(PASSWORD_ENV)
    if not username or not password:
        raise UserError(f"set {USER_ENV} and {PASSWORD_ENV} to the credentials NCMEC issued")
    case_file = cases.case_file(store, case_ref)
    paths = dict(_find_files(files, {m.sha256: m.size for m in case_file.media}))
    missing = [m.sha256 for m in case_file.media if m.sha256 not in paths]
    if missing:
        raise UserError(
            f"{len(missing)} confirmed file(s) not found under {files}: {', '.join(missing)}"
        )

    def contents(item: ConfirmedMedia) -> bytes:
        return paths[item.sha256].read_bytes()

    sent = send_report(
        NcmecClient(Endpoint(base_url, username, password)), case_file, config, contents
    )
    detail = (
        f"NCMEC CyberTipline report {sent.report_id} finished with {len(sent.files)} file(s) "
        f"({base_url})"
    )
    if sent.unlisted:
        detail += f"; NCMEC did not list file(s) {', '.join(sent.unlisted)} when finishing"
    cases.record_custody(store, case_file.case.id, actor=actor, action="report", detail=detail)
    return sent


def _with_analysis(
    store: Store, case_file: CaseFile, options: ExportOptions
) -> tuple[CaseFile, ExportOptions]:
    """The suspects' scores and reasons, and the network picture, from the analysis."""
    from crible.analysis.wording import reasons_in
    from crible.services.network_pictures import network_picture  # heavy: only when asked
    from crible.services.suspects import latest_analysis

    analysis = latest_analysis(store)
    scores = {s.account_id: (s.score, reasons_in(s, options.lang)) for s in analysis.suspects}
    if options.network_png is None and analysis.suspects:
        options = replace(options, network_png=network_picture(analysis))
    return cases.with_suspect_scores(case_file, scores), options


def find_suspect(case_file: CaseFile, account: str) -> CaseSuspect:
    """A suspect of the case by account id or account key."""
    for suspect in case_file.suspects:
        if account in (str(suspect.account_id), suspect.key):
            return suspect
    raise NotFound(f"account {account!r} is not a suspect of case {case_file.case.reference}")


def bundle_manifest_sha256(bundle: Path) -> str:
    """The SHA-256 of an evidence bundle's tag manifest (else its payload manifest)."""
    for name in MANIFESTS:
        if (bundle / name).is_file():
            return hash_file(bundle / name).sha256
    raise UserError(f"{bundle} is not an evidence bundle: no {' or '.join(MANIFESTS)}")


def _find_files(root: Path, wanted: dict[str, int]) -> Iterator[tuple[str, Path]]:
    """Files under ``root`` with a wanted SHA-256 (given with its size: only files of one
    of those sizes are read and hashed)."""
    if not root.is_dir():
        raise UserError(f"{root}: no such folder")
    sizes = set(wanted.values())
    for folder, _dirs, names in os.walk(root):
        for name in names:
            path = Path(folder) / name
            if path.is_symlink() or not path.is_file() or path.stat().st_size not in sizes:
                continue
            with path.open("rb") as stream:
                digest = hashlib.file_digest(stream, "sha256").hexdigest()
            if digest in wanted:
                yield digest, path


def _write(out: Path, data: bytes) -> Written:
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    partial.write_bytes(data)
    partial.replace(out)
    return Written(out, hashlib.sha256(data).hexdigest(), len(data))


def _log(store: Store, case_file: CaseFile, actor: str, action: str, written: Written) -> None:
    detail = (
        f"{action} written to {written.path.name} (SHA-256 {written.sha256}, {written.size} bytes)"
    )
    cases.record_custody(store, case_file.case.id, actor=actor, action="export", detail=detail)
    audit.record(
        store,
        actor,
        AuditAction.EXPORT,
        case_file.case.reference,
        format=action,
        file=written.path.name,
        sha256=written.sha256,
    )


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in text)[:80]
