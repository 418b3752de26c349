"""Signed evidence bundles through the CLI: keys, export, verify, a tampered copy refused; the
bag also checked by the bagit library and the signature by cryptography, not by crible."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

from crible.store import Store
from tests import oracles
from tests.e2e.cli import crible, crible_json
from tests.integration.test_cases import build_investigation


def test_export_then_verify_then_detect_a_changed_byte(tmp_path: Path) -> None:
    db = str(tmp_path / "crible.db")
    with Store.open(db) as store:
        inv = build_investigation(store, tmp_path)
    keys = tmp_path / "keys"
    made = crible("keys", "init", "--dir", str(keys), db=None)
    assert made.returncode == 0, made.stderr
    assert "fingerprint:" in made.stdout
    assert stat.S_IMODE((keys / "unit.key").stat().st_mode) == 0o600
    ref = crible("case", "create", "Network Unit", "--actor", "alice", db=db).stdout.strip()
    added = crible("case", "add-evidence", ref, "--media", inv.confirmed[0], db=db)
    assert added.returncode == 0, added.stderr
    bundle = tmp_path / "bundle"

    report = crible_json(
        "case", "export", ref, "--bundle", str(bundle), "--key", str(keys / "unit.key"), db=db
    )

    assert report["payload"] == ["data/case.json", "data/custody.jsonl"]
    ok = crible("verify", str(bundle), "--key", str(keys / "unit.pub"), db=None)
    assert ok.returncode == 0, ok.stdout
    assert f"bundle {ref} verified: 5 files checked, 3 custody entries" in ok.stdout
    assert oracles.bundle_problems(bundle, keys / "unit.pub") == []  # bagit and cryptography
    copy = tmp_path / "copy"
    shutil.copytree(bundle, copy)
    path = copy / "data" / "case.json"
    data = bytearray(path.read_bytes())
    data[-3] ^= 0x01
    path.write_bytes(bytes(data))
    bad = crible("verify", str(copy), db=None)
    assert bad.returncode == 4  # checked and not intact (1 is an internal error)
    assert bad.stdout.startswith("FAIL changed file data/case.json: SHA-256 ")
    assert f"bundle {ref} NOT verified" in bad.stdout
    [problem] = oracles.bundle_problems(copy, keys / "unit.pub")
    assert problem.startswith("bagit: ") and "data/case.json" in problem
    other = tmp_path / "other-keys"
    assert crible("keys", "init", "--dir", str(other), db=None).returncode == 0
    [problem] = oracles.bundle_problems(bundle, other / "unit.pub")
    assert problem.startswith("signature: InvalidSignature")
