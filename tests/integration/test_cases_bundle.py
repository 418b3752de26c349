"""Evidence bundles through the services: export, media on request, and every kind of tampering."""

from __future__ import annotations

import base64
import json
import shutil
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from crible.cases.keys import init_keys
from crible.model.errors import Conflict, UserError
from crible.services.bundles import export_bundle, verify
from crible.services.cases import add_evidence, add_suspect, case_file, create_case
from crible.store import Store
from tests import oracles
from tests.integration.test_cases import Investigation, build_investigation


class Exported:
    """A store with a case of two confirmed files, a unit key pair and the case's bundle."""

    def __init__(self, tmp: Path) -> None:
        self.store = Store.open(str(tmp / "crible.db"))
        self.inv: Investigation = build_investigation(self.store, tmp)
        self.key, self.public = init_keys(tmp / "keys")
        self.case = create_case(self.store, "Network Unit", actor="alice")
        add_suspect(self.store, self.case.reference, str(self.inv.accounts[1]), actor="alice")
        for sha in self.inv.confirmed:
            add_evidence(self.store, self.case.reference, "media", sha, actor="alice")
        self.bundle = tmp / "bundle"
        self.report = export_bundle(
            self.store, self.case.reference, self.bundle, key_path=self.key, actor="alice"
        )


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Exported]:
    """Shared by the tests that only read it; a test that exports again makes its own."""
    made = Exported(tmp_path_factory.mktemp("bundle"))
    try:
        yield made
    finally:
        made.store.close()


def test_keys_are_private_and_never_overwritten(exported: Exported) -> None:
    assert stat.S_IMODE(exported.key.stat().st_mode) == 0o600
    with pytest.raises(Conflict, match="never overwrites"):
        init_keys(exported.key.parent)


def test_a_fresh_bundle_verifies_and_holds_no_media_by_default(exported: Exported) -> None:
    bundle = exported.bundle

    result = verify(bundle, exported.public)

    assert result.ok, result.problems
    assert oracles.bundle_problems(bundle, exported.public) == []  # bagit and cryptography
    assert (result.files_checked, result.custody_entries) == (5, 5)
    assert result.case_reference == exported.case.reference
    assert result.key_fingerprint == exported.report.key_fingerprint
    assert exported.report.payload == ("data/case.json", "data/custody.jsonl")
    case = json.loads((bundle / "data" / "case.json").read_text())
    assert case["format"] == "crible-case-file/1"
    assert {m["sha256"] for m in case["media"]} == set(exported.inv.confirmed)
    assert case["custody"][-1]["action"] == "export"
    log = case_file(exported.store, exported.case.id).custody
    assert [e.action for e in log[-2:]] == ["export", "export-sealed"]
    assert log[-2].hash == case["custody"][-1]["hash"]
    assert exported.report.tagmanifest_sha256 in log[-1].detail


def test_media_go_into_a_bundle_only_when_asked(tmp_path: Path) -> None:
    # A store of its own: another export would change the custody log the module's shares.
    made = Exported(tmp_path)
    bundle = tmp_path / "with-media"
    try:
        export_bundle(
            made.store, made.case.id, bundle, key_path=made.key, actor="alice", include_media=True
        )

        names = sorted(p.name for p in (bundle / "data" / "media").iterdir())
        assert names == sorted(f"{sha}.jpg" for sha in made.inv.confirmed)
        assert verify(bundle).ok
        assert oracles.bundle_problems(bundle, made.public) == []
        with pytest.raises(Conflict, match="not empty"):
            export_bundle(made.store, made.case.id, bundle, key_path=made.key, actor="a")
    finally:
        made.store.close()


def test_a_media_file_changed_since_its_scan_is_not_bundled(tmp_path: Path) -> None:
    made = Exported(tmp_path)
    try:
        for photo in (made.inv.folder / "photos").iterdir():
            photo.write_bytes(photo.read_bytes() + b"changed")
        with pytest.raises(UserError, match="no unchanged copy found"):
            export_bundle(
                made.store,
                made.case.id,
                tmp_path / "b2",
                key_path=made.key,
                actor="alice",
                include_media=True,
            )
        assert not (tmp_path / "b2").exists()
    finally:
        made.store.close()


def _change_byte(bundle: Path) -> None:
    path = bundle / "data" / "case.json"
    data = bytearray(path.read_bytes())
    data[10] ^= 0x01
    path.write_bytes(bytes(data))


def _edit_custody_entry(bundle: Path) -> None:
    path = bundle / "data" / "custody.jsonl"
    lines = path.read_text().splitlines()
    entry = json.loads(lines[1])
    entry["actor"] = "mallory"
    lines[1] = json.dumps(entry, sort_keys=True)
    path.write_text("\n".join(lines) + "\n")


def _drop_manifest_line(bundle: Path) -> None:
    path = bundle / "manifest-sha256.txt"
    lines = path.read_text().splitlines()
    path.write_text("\n".join(line for line in lines if "custody.jsonl" not in line) + "\n")


def _add_manifest_line(line: bytes) -> Callable[[Path], None]:
    def tamper(bundle: Path) -> None:
        path = bundle / "manifest-sha256.txt"
        path.write_bytes(path.read_bytes() + line + b"\n")

    return tamper


def _alter_signature(bundle: Path) -> None:
    path = bundle / "signature.ed25519"
    raw = bytearray(base64.b64decode(path.read_text()))
    raw[0] ^= 0x80
    path.write_text(base64.b64encode(bytes(raw)).decode() + "\n")


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        (_change_byte, ["changed file data/case.json"]),
        (lambda b: (b / "data" / "extra.txt").write_text("x"), ["added file data/extra.txt"]),
        (lambda b: (b / "notes.txt").write_text("x"), ["added file notes.txt"]),
        (
            lambda b: (b / "data" / "custody.jsonl").unlink(),
            ["removed file data/custody.jsonl (listed in manifest-sha256.txt)"],
        ),
        (
            _edit_custody_entry,
            [
                "changed file data/custody.jsonl",
                "broken custody link: custody entry 2 (seq 2): content does not match its hash",
            ],
        ),
        (
            _drop_manifest_line,
            [
                "changed file manifest-sha256.txt",
                "added file data/custody.jsonl: not listed in manifest-sha256.txt",
            ],
        ),
        (
            _add_manifest_line(b"0" * 64 + b"  ../outside.txt"),
            [
                "changed file manifest-sha256.txt",
                "manifest-sha256.txt names ../outside.txt, outside the bundle",
            ],
        ),
        (
            _add_manifest_line(b"\xff\xfe not a manifest line"),
            [
                "changed file manifest-sha256.txt",
                "manifest-sha256.txt line",
            ],
        ),
        (_alter_signature, ["bad signature: signature.ed25519 does not sign"]),
        (lambda b: (b / "signature.ed25519").unlink(), ["removed file signature.ed25519"]),
    ],
    ids=[
        "byte",
        "added-data",
        "added-tag",
        "removed",
        "custody-entry",
        "manifest-line",
        "manifest-outside",
        "manifest-not-utf8",
        "signature",
        "no-signature",
    ],
)
def test_each_kind_of_tampering_is_detected_and_named(
    exported: Exported,
    tmp_path: Path,
    tamper: Callable[[Path], object],
    expected: list[str],
) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(exported.bundle, copy)
    tamper(copy)

    result = verify(copy)

    assert not result.ok
    for text in expected:
        assert any(text in p for p in result.problems), f"{text!r} not in {result.problems}"
    assert len(result.problems) == len(expected), result.problems


def test_a_bundle_signed_with_another_key_is_refused_against_the_trusted_one(
    exported: Exported, tmp_path: Path
) -> None:
    _, other = init_keys(tmp_path / "other")

    result = verify(exported.bundle, other)

    assert [p for p in result.problems if "not by the trusted key" in p]
    assert verify(tmp_path).problems == [f"{tmp_path}: not a BagIt bag (no bagit.txt)"]
