"""``crible review`` through the console script: queue, four-eyes, rejection, feedback."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from crible.services.audit import entries as audit_entries
from crible.services.banks import import_list
from crible.services.demo_media import picture, save_jpeg
from crible.services.scan import scan
from crible.signals.crypto import hash_file
from crible.store import Store
from tests.e2e.cli import CRIBLE, crible, crible_json


def test_review_commands_take_a_file_from_the_queue_to_confirmed_or_rejected(
    tmp_path: Path,
) -> None:
    db = str(tmp_path / "crible.db")
    folder = tmp_path / "media"
    kept, false_match = (hash_file(save_jpeg(picture(s), folder / f"{s}.jpg")) for s in (1, 2))
    listed = tmp_path / "list.csv"
    listed.write_text(f"signal_type,signal_value\nsha256,{kept.sha256}\nmd5,{false_match.md5}\n")
    with Store.open(db) as store:
        import_list(store, listed, bank="unit", scheme="VIC-US", category="2")
        scan(store, [str(folder)], workers=0)

    queue = crible_json("review", "list", db=db)
    assert {i["sha256"] for i in queue} == {kept.sha256, false_match.sha256}
    assert all(i["categories"] == ["VIC-US 2"] for i in queue)

    first = crible_json(
        "review", "confirm", kept.sha256, "--category", "VIC-US:2", "--reviewer", "alice", db=db
    )
    assert first["status"] == "awaiting_second"
    again = crible(
        "review", "confirm", kept.sha256, "--category", "VIC-US:2", "--reviewer", "alice", db=db
    )
    assert again.returncode == 2 and "alice already confirmed" in again.stderr
    bad_category = crible(
        "review", "confirm", kept.sha256, "--category", "VIC-US:9", "--reviewer", "bob", db=db
    )
    assert bad_category.returncode == 3 and "not in scheme VIC-US" in bad_category.stderr

    env_reviewer = dict(os.environ, CRIBLE_REVIEWER="bob")
    second = subprocess.run(
        [CRIBLE, "--db", db, "review", "confirm", kept.sha256, "--category", "VIC-US:2", "--json"],
        capture_output=True,
        text=True,
        env=env_reviewer,
        check=True,
    )
    assert '"reviewer": "bob"' in second.stdout and '"status": "confirmed"' in second.stdout

    rejected = crible_json(
        "review",
        "reject",
        false_match.sha256,
        "--reviewer",
        "carol",
        "--note",
        "wrong list line",
        db=db,
    )
    assert rejected["status"] == "rejected"
    assert crible_json("review", "list", db=db) == []
    shown = crible("review", "show", kept.sha256, db=db)
    assert shown.returncode == 0 and "confirmed" in shown.stdout and "alice" in shown.stdout

    feedback = crible_json("review", "feedback", "--bank", "unit", db=db)
    assert [(f["sha256"], f["reviewer"], f["note"]) for f in feedback] == [
        (false_match.sha256, "carol", "wrong list line")
    ]
    missing = crible("review", "show", "0" * 64, db=db)
    assert missing.returncode == 2 and "no media file" in missing.stderr

    # decisions taken from the command line are in the audit log too, and the chain holds
    with Store.open(db) as store:
        decided = [(e.actor, e.target) for e in audit_entries(store, action="decision")]
    assert ("carol", false_match.sha256) in decided and ("alice", kept.sha256) in decided
    assert crible("audit", "verify", db=db).returncode == 0
