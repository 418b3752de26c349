"""A saved bank snapshot that was damaged, or is not one, is refused naming the file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crible.index.snapshot import MANIFEST, BankSnapshot, build_snapshot
from crible.model.errors import BadInput


def _saved(tmp_path: Path) -> Path:
    folder = tmp_path / "snap"
    build_snapshot("key", {}).save(folder)
    assert BankSnapshot.load(folder).fingerprint == "key"
    return folder


@pytest.mark.parametrize(
    ("damage", "said"),
    [
        (lambda f: (f / MANIFEST).unlink(), "no saved bank snapshot here"),
        (lambda f: (f / MANIFEST).write_text("{not json"), "unreadable bank snapshot manifest"),
        (lambda f: (f / MANIFEST).write_text('{"format": "x"}'), "not a crible bank snapshot"),
        (
            lambda f: (f / MANIFEST).write_text(
                json.dumps({**json.loads((f / MANIFEST).read_text()), "version": 99})
            ),
            "bank snapshot format version 99",
        ),
        (lambda f: next(f.glob("*.npy")).unlink(), "incomplete bank snapshot"),
    ],
    ids=["missing", "not-json", "other-format", "other-version", "missing-column"],
)
def test_a_damaged_snapshot_is_refused_naming_the_file(
    tmp_path: Path, damage: object, said: str
) -> None:
    folder = _saved(tmp_path)
    damage(folder)  # type: ignore[operator]
    with pytest.raises(BadInput) as refused:
        BankSnapshot.load(folder)
    assert said in str(refused.value)
    assert str(folder) in str(refused.value)
