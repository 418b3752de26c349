"""The audit log is a hash chain: an edited, removed or reordered entry is found (both backends)."""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path

from sqlalchemy import delete, select, update

from crible.model.audit import GENESIS, AuditAction
from crible.services import audit
from crible.store import Store
from crible.store.serve_tables import audit_log
from tests.e2e.cli import crible


def fill(store: Store, count: int = 5) -> list[int]:
    for n in range(count):
        audit.record(store, f"person{n}", AuditAction.MEDIA_VIEW, f"{n:064x}", mode="grey")
    with store.engine.connect() as conn:
        return list(conn.execute(select(audit_log.c.id).order_by(audit_log.c.id)).scalars())


def test_an_intact_chain_verifies_and_links_each_entry(store: Store) -> None:
    ids = fill(store)
    result = audit.verify(store)
    assert result.ok
    assert result.entries == len(ids)
    entries = list(audit.entries(store))
    assert entries[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in pairwise(entries))
    assert result.head == entries[-1].hash


def test_a_limit_gives_the_newest_entries_oldest_first(store: Store) -> None:
    ids = fill(store)
    assert [e.id for e in audit.entries(store, limit=2)] == ids[-2:]
    assert [e.id for e in audit.entries(store, action="login")] == []
    summary = audit.verification_summary(audit.verify(store))
    assert summary == {
        "ok": True,
        "entries": len(ids),
        "head": list(audit.entries(store))[-1].hash,
        "first_bad_entry": None,
        "reason": None,
    }


def test_an_edited_field_is_found(store: Store) -> None:
    ids = fill(store)
    with store.engine.begin() as conn:
        conn.execute(update(audit_log).where(audit_log.c.id == ids[2]).values(actor="someone"))
    result = audit.verify(store)
    assert result.problem is not None
    assert result.problem.entry_id == ids[2]
    assert "edited" in result.problem.reason


def test_a_removed_entry_is_found_at_the_next_one(store: Store) -> None:
    ids = fill(store)
    with store.engine.begin() as conn:
        conn.execute(delete(audit_log).where(audit_log.c.id == ids[1]))
    result = audit.verify(store)
    assert result.problem is not None
    assert result.problem.entry_id == ids[2]
    assert "removed" in result.problem.reason


def test_reordered_entries_are_found(store: Store) -> None:
    ids = fill(store)
    columns = ("at", "actor", "action", "target", "detail", "prev_hash", "hash")
    with store.engine.begin() as conn:
        rows = {
            r.id: {c: getattr(r, c) for c in columns}
            for r in conn.execute(select(audit_log).where(audit_log.c.id.in_(ids[1:3])))
        }
        # swap the contents of two entries (through a free prev_hash, which is unique)
        conn.execute(update(audit_log).where(audit_log.c.id == ids[1]).values(prev_hash="swap"))
        conn.execute(update(audit_log).where(audit_log.c.id == ids[2]).values(**rows[ids[1]]))
        conn.execute(update(audit_log).where(audit_log.c.id == ids[1]).values(**rows[ids[2]]))
    result = audit.verify(store)
    assert result.problem is not None
    assert result.problem.entry_id == ids[1]


def test_crible_audit_verify_exits_non_zero_on_a_broken_chain(tmp_path: Path) -> None:
    db = str(tmp_path / "crible.db")
    with Store.open(db) as store:
        ids = fill(store, 3)
    done = crible("audit", "verify", db=db)
    assert done.returncode == 0, done.stderr
    assert "intact: 3 entries" in done.stdout
    with Store.open(db) as store, store.engine.begin() as conn:
        conn.execute(update(audit_log).where(audit_log.c.id == ids[0]).values(detail="{}"))
    broken = crible("audit", "verify", db=db)
    assert broken.returncode == 4
    assert f"BROKEN at entry {ids[0]}" in broken.stderr
    as_json = json.loads(crible("audit", "verify", "--json", db=db).stdout)
    assert (as_json["ok"], as_json["first_bad_entry"]) == (False, ids[0])
    assert crible("audit", "show", "--limit", "0", db=db).returncode == 2
