"""Evidence bundles of cases: export (signed BagIt bag, recorded in custody) and verify."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from crible.cases.bundle import BundleReport, write_bundle
from crible.cases.custody import next_event
from crible.cases.keys import fingerprint, load_private
from crible.cases.verify import Verification, verify_bundle
from crible.model.audit import AuditAction
from crible.model.errors import UserError
from crible.services import audit
from crible.services.cases import case_file, get_case
from crible.services.review import DEFAULT, ReviewSettings
from crible.store import Store
from crible.store import cases as case_rows
from crible.store.columns import now
from crible.store.read.media import MediaRows

__all__ = ["export_bundle", "media_sources", "verify"]


def export_bundle(
    store: Store,
    case_ref: str | int,
    directory: Path,
    *,
    key_path: Path,
    actor: str,
    include_media: bool = False,
    unit: str = "",
    settings: ReviewSettings = DEFAULT,
) -> BundleReport:
    """Write the case's signed bundle to ``directory``; media files only if asked.

    The export is the last entry of the bundle's custody log (and of the store's); once
    sealed, a second entry records the signed tag manifest's SHA-256 in the store.
    """
    key = load_private(key_path)
    case = get_case(store, case_ref)
    file = case_file(store, case.id, settings)
    what = "with media files" if include_media else "without media files"
    event = next_event(
        file.custody[-1] if file.custody else None,
        now(),
        actor,
        "export",
        f"evidence bundle to {directory.resolve()} {what}, "
        f"signed by key {fingerprint(key.public_key())}",
    )
    file = replace(file, custody=(*file.custody, event))
    sources = media_sources(store, (m.sha256 for m in file.media)) if include_media else None
    report = write_bundle(file, directory, key, media=sources, unit=unit)
    with store.engine.begin() as conn:
        case_rows.insert_custody(conn, case.id, event)
        case_rows.append_custody(
            conn,
            case.id,
            actor,
            "export-sealed",
            f"bundle {directory.resolve()}: {len(report.payload)} payload files, "
            f"tag manifest SHA-256 {report.tagmanifest_sha256}",
        )
    audit.record(
        store,
        actor,
        AuditAction.EXPORT,
        case.reference,
        format="bundle",
        media=include_media,
        tagmanifest_sha256=report.tagmanifest_sha256,
    )
    return report


def media_sources(store: Store, sha256s: Iterable[str]) -> dict[str, Path]:
    """A readable file with each SHA-256, from where scans and ingests saw it (checked by
    hashing); UserError names the files that can no longer be found."""
    found: dict[str, Path] = {}
    missing: list[str] = []
    with MediaRows.of(store) as rows:
        for sha in sorted(set(sha256s)):
            keys = rows.scanned_at(sha)
            path = next((p for p in map(_plain_file, keys) if p and _has_sha256(p, sha)), None)
            if path is None:
                missing.append(sha)
            else:
                found[sha] = path
    if missing:
        raise UserError(
            "cannot include media: no unchanged copy found of "
            + ", ".join(s[:16] + "..." for s in missing)
        )
    return found


def verify(directory: Path, trusted_key: Path | None = None) -> Verification:
    """Check a bundle (see crible.cases.verify)."""
    if not directory.is_dir():
        raise UserError(f"{directory} is not a folder")
    return verify_bundle(directory, trusted_key.read_bytes() if trusted_key else None)


def _plain_file(key: bytes) -> Path | None:
    path = Path(os.fsdecode(bytes(key)))
    return path if path.is_file() else None


def _has_sha256(path: Path, sha256: str) -> bool:
    with path.open("rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest() == sha256
