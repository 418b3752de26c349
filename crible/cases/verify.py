"""Verify an evidence bundle: every byte against the manifests, the signature, the custody chain.

Every problem is listed (not only the first): changed, added and removed files, broken
manifest lines, a bad or missing signature, a key other than the trusted one, and the first
broken link of the custody log.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from crible.cases.bundle import CASE_FIELD, FINGERPRINT_FIELD, KEY_FIELD, SIGNATURE, TAGMANIFEST
from crible.cases.custody import from_jsonl, verify_chain
from crible.cases.keys import fingerprint, load_public, signature_holds
from crible.model.errors import BadInput

MANIFEST = "manifest-sha256.txt"
UNSIGNED_TAG_FILES = {TAGMANIFEST, SIGNATURE}


@dataclass
class Verification:
    """The outcome of checking a bundle."""

    directory: Path
    problems: list[str] = field(default_factory=list)
    case_reference: str | None = None
    key_fingerprint: str | None = None
    files_checked: int = 0
    custody_entries: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_bundle(directory: Path, trusted_key: bytes | None = None) -> Verification:
    """Check a bundle; ``trusted_key`` (PEM) is the exporting unit's key, if known."""
    result = Verification(directory)
    if not (directory / "bagit.txt").is_file():
        result.problems.append(f"{directory}: not a BagIt bag (no bagit.txt)")
        return result
    info = _bag_info(directory / "bag-info.txt", result)
    result.case_reference = info.get(CASE_FIELD)
    tag_entries = _manifest(directory, TAGMANIFEST, result)
    payload_entries = _manifest(directory, MANIFEST, result)
    _check_entries(directory, tag_entries, TAGMANIFEST, result)
    _check_entries(directory, payload_entries, MANIFEST, result)
    present = {p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file()}
    for path in sorted(present - set(tag_entries) - set(payload_entries) - UNSIGNED_TAG_FILES):
        where = MANIFEST if path.startswith("data/") else TAGMANIFEST
        result.problems.append(f"added file {path}: not listed in {where}")
    _check_signature(directory, info, trusted_key, result)
    _check_custody(directory, result)
    return result


def _bag_info(path: Path, result: Verification) -> dict[str, str]:
    info: dict[str, str] = {}
    if not path.is_file():
        result.problems.append("removed file bag-info.txt")
        return info
    current = ""
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if line[:1] in (" ", "\t") and current:
            info[current] += " " + line.strip()
        elif ":" in line:
            current, value = (part.strip() for part in line.split(":", 1))
            info[current] = value
    return info


def _manifest(directory: Path, name: str, result: Verification) -> dict[str, str]:
    path = directory / name
    entries: dict[str, str] = {}
    if not path.is_file():
        result.problems.append(f"removed file {name}")
        return entries
    text = path.read_text(encoding="utf-8", errors="replace")  # a bad byte: a bad line
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        digest, _, target = line.partition(" ")
        target = target.strip().lstrip("*")
        if len(digest) != 64 or not target:
            result.problems.append(f"{name} line {number}: not 'SHA-256 path'")
            continue
        entries[target] = digest.lower()
    return entries


def _check_entries(
    directory: Path, entries: dict[str, str], manifest: str, result: Verification
) -> None:
    for relative, expected in sorted(entries.items()):
        path = directory / relative
        if ".." in Path(relative).parts or not path.resolve().is_relative_to(directory.resolve()):
            result.problems.append(f"{manifest} names {relative}, outside the bundle")
            continue
        if not path.is_file():
            result.problems.append(f"removed file {relative} (listed in {manifest})")
            continue
        result.files_checked += 1
        found = _sha256(path)
        if found != expected:
            result.problems.append(
                f"changed file {relative}: SHA-256 {found}, {manifest} says {expected}"
            )


def _check_signature(
    directory: Path, info: dict[str, str], trusted: bytes | None, result: Verification
) -> None:
    key_text = info.get(KEY_FIELD)
    if not key_text:
        result.problems.append(f"bag-info.txt has no {KEY_FIELD}: the bundle cannot be verified")
        return
    pem = key_text.replace("-----BEGIN PUBLIC KEY----- ", "-----BEGIN PUBLIC KEY-----\n")
    pem = pem.replace(" -----END PUBLIC KEY-----", "\n-----END PUBLIC KEY-----") + "\n"
    try:
        key = load_public(pem.encode(), "bag-info.txt")
    except BadInput as exc:
        result.problems.append(f"bag-info.txt: signing key unreadable ({exc.reason})")
        return
    result.key_fingerprint = fingerprint(key)
    if info.get(FINGERPRINT_FIELD) != result.key_fingerprint:
        result.problems.append("bag-info.txt: the key fingerprint does not match the key")
    if trusted is not None:
        expected = fingerprint(load_public(trusted, "trusted key"))
        if expected != result.key_fingerprint:
            result.problems.append(
                f"signed by key {result.key_fingerprint[:16]}..., not by the trusted key "
                f"{expected[:16]}..."
            )
    signature_path, signed = directory / SIGNATURE, directory / TAGMANIFEST
    if not signature_path.is_file():
        result.problems.append(f"removed file {SIGNATURE}: the bundle is not signed")
        return
    if not signed.is_file():
        return
    try:
        signature = base64.b64decode(
            signature_path.read_text(encoding="ascii").strip(), validate=True
        )
    except (binascii.Error, UnicodeDecodeError, ValueError):
        result.problems.append(f"bad signature: {SIGNATURE} is not base64")
        return
    if not signature_holds(key, signature, signed.read_bytes()):
        result.problems.append(
            f"bad signature: {SIGNATURE} does not sign {TAGMANIFEST} with the bundle's key"
        )


def _check_custody(directory: Path, result: Verification) -> None:
    path = directory / "data" / "custody.jsonl"
    if not path.is_file():
        return
    try:
        events = from_jsonl(path.read_text(encoding="utf-8"), "data/custody.jsonl")
    except (BadInput, UnicodeDecodeError) as exc:
        result.problems.append(f"broken custody log: {exc}")
        return
    result.custody_entries = len(events)
    problem = verify_chain(events)
    if problem is not None:
        result.problems.append(f"broken custody link: {problem}")
    case_json = directory / "data" / "case.json"
    if case_json.is_file():
        try:
            recorded = json.loads(case_json.read_text(encoding="utf-8")).get("custody", [])
        except (ValueError, AttributeError):
            result.problems.append("data/case.json is not a JSON object")
            return
        if [e.get("hash") for e in recorded if isinstance(e, dict)] != [e.hash for e in events]:
            result.problems.append("data/case.json and data/custody.jsonl disagree on custody")


def _sha256(path: Path) -> str:
    with path.open("rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()
