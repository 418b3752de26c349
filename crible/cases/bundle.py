"""Evidence bundles: a BagIt bag (SHA-256 manifests) of a case file, signed with Ed25519.

Layout::

    bagit.txt, bag-info.txt            bag-info names the case, the unit's key and fingerprint
    manifest-sha256.txt                every payload file's SHA-256
    tagmanifest-sha256.txt             SHA-256 of bagit.txt, bag-info.txt, manifest-sha256.txt
    signature.ed25519                  base64 Ed25519 signature of tagmanifest-sha256.txt
    data/case.json                     the CaseFile (crible-case-file/1)
    data/custody.jsonl                 the custody log, one hash-chained entry a line
    data/media/<sha256><suffix>        only when media was asked for

The signature covers the tag manifest, which covers the manifest, which covers every
payload file: any changed, added or removed byte breaks one of these links.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import bagit
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from crible.cases.custody import to_jsonl
from crible.cases.keys import fingerprint, public_pem
from crible.cases.serialize import case_file_dict
from crible.model.cases import CaseFile
from crible.model.errors import Conflict, UserError

SIGNATURE = "signature.ed25519"
TAGMANIFEST = "tagmanifest-sha256.txt"
KEY_FIELD = "Crible-Signing-Key"
FINGERPRINT_FIELD = "Crible-Signing-Key-Fingerprint"
CASE_FIELD = "Crible-Case-Reference"


@dataclass(frozen=True)
class BundleReport:
    """What a bundle holds and how to check it."""

    directory: Path
    case_reference: str
    payload: tuple[str, ...]
    """Payload files, relative to the bag (data/...)."""
    tagmanifest_sha256: str
    key_fingerprint: str


def write_bundle(
    file: CaseFile,
    directory: Path,
    key: Ed25519PrivateKey,
    *,
    media: Mapping[str, Path] | None = None,
    unit: str = "",
) -> BundleReport:
    """Write and sign the bag; ``media`` (SHA-256 -> file) is copied only when given.

    Each media file is hashed while it is copied and refused if it no longer has the
    SHA-256 the case records.
    """
    if directory.exists() and any(directory.iterdir()):
        raise Conflict(f"{directory} exists and is not empty: choose a new folder")
    directory.mkdir(parents=True, exist_ok=True)
    try:
        (directory / "case.json").write_text(
            json.dumps(case_file_dict(file), indent=2, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )
        (directory / "custody.jsonl").write_text(to_jsonl(file.custody), encoding="utf-8")
        for sha256, source in sorted((media or {}).items()):
            _copy_checked(source, directory / "media" / f"{sha256}{source.suffix.lower()}", sha256)
        public = key.public_key()
        info = {
            CASE_FIELD: file.case.reference,
            "External-Description": f"crible evidence bundle of case {file.case.reference}",
            KEY_FIELD: public_pem(public).decode().replace("\n", " ").strip(),
            FINGERPRINT_FIELD: fingerprint(public),
        }
        if unit:
            info["Source-Organization"] = unit
        bag = bagit.make_bag(str(directory), bag_info=info, checksums=["sha256"])
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    signed = (directory / TAGMANIFEST).read_bytes()
    signature = base64.b64encode(key.sign(signed)).decode()
    (directory / SIGNATURE).write_text(signature + "\n", encoding="ascii")
    return BundleReport(
        directory=directory,
        case_reference=file.case.reference,
        payload=tuple(sorted(str(p) for p in bag.payload_files())),
        tagmanifest_sha256=hashlib.sha256(signed).hexdigest(),
        key_fingerprint=fingerprint(public),
    )


def _copy_checked(source: Path, target: Path, sha256: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    with source.open("rb") as src, target.open("wb") as out:
        while block := src.read(1 << 20):
            digest.update(block)
            out.write(block)
    if digest.hexdigest() != sha256:
        raise UserError(
            f"{source} no longer has SHA-256 {sha256[:16]}... (it changed since it was "
            "scanned): refusing to put it in the bundle"
        )
