"""Audit use cases: record what people did, and verify that nobody edited the record."""

from __future__ import annotations

import getpass
import hashlib
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from crible.model.audit import GENESIS, AuditAction, AuditEntry, AuditProblem, AuditVerification
from crible.store import Store
from crible.store.audit import AuditRepository, append_in
from crible.store.columns import now


def canonical(
    at: datetime, actor: str, action: str, target: str, detail: str, prev_hash: str
) -> bytes:
    """The canonical form of an entry: sorted-key, compact JSON, the time in UTC to the µs."""
    stamp = at.replace(tzinfo=at.tzinfo or UTC).astimezone(UTC)
    fields = {
        "action": action,
        "actor": actor,
        "at": stamp.isoformat(timespec="microseconds"),
        "detail": detail,
        "prev_hash": prev_hash,
        "target": target,
    }
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def entry_hash(
    at: datetime, actor: str, action: str, target: str, detail: str, prev_hash: str
) -> str:
    """SHA-256 of an entry's canonical form."""
    return hashlib.sha256(canonical(at, actor, action, target, detail, prev_hash)).hexdigest()


def local_actor() -> str:
    """Who runs this process, for changes made from the command line ($CRIBLE_ACTOR, else
    the OS user name, else plain ``cli`` when the OS cannot name the user)."""
    if actor := os.environ.get("CRIBLE_ACTOR"):
        return actor
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def record(store: Store, actor: str, action: AuditAction, target: str = "", **detail: Any) -> str:
    """Append one entry (never media bytes: ``detail`` holds ids, names and counts)."""
    text = _detail(detail)
    return AuditRepository(store.engine).append(now(), actor, str(action), target, text, entry_hash)


def record_in(
    conn: Connection, actor: str, action: AuditAction, target: str = "", **detail: Any
) -> str:
    """Append one entry in the transaction of the change it records (both commit, or none)."""
    return append_in(conn, now(), actor, str(action), target, _detail(detail), entry_hash)


def _detail(detail: dict[str, Any]) -> str:
    return json.dumps(detail, sort_keys=True, separators=(",", ":"), default=str)


def entries(
    store: Store, *, action: str | None = None, limit: int | None = None
) -> Iterator[AuditEntry]:
    """The log in order (the newest ``limit`` entries if given)."""
    return AuditRepository(store.engine).entries(action=action, limit=limit)


def verify(store: Store) -> AuditVerification:
    """Walk the chain: the first entry whose hash or link does not hold is reported."""
    prev = GENESIS
    count = 0
    for entry in AuditRepository(store.engine).entries():
        count += 1
        if entry.prev_hash != prev:
            reason = (
                "its link to the previous entry is broken: "
                "an entry before it was removed, or entries were reordered"
            )
            return AuditVerification(count, prev, AuditProblem(entry.id, reason))
        expected = entry_hash(
            entry.at, entry.actor, entry.action, entry.target, entry.detail, entry.prev_hash
        )
        if expected != entry.hash:
            reason = "its content does not match its hash: the entry was edited"
            return AuditVerification(count, prev, AuditProblem(entry.id, reason))
        prev = entry.hash
    return AuditVerification(count, prev, None)


def verification_summary(result: AuditVerification) -> dict[str, Any]:
    """The JSON form of a verification, as the CLI prints it and the API returns it."""
    return {
        "ok": result.ok,
        "entries": result.entries,
        "head": result.head,
        "first_bad_entry": result.problem.entry_id if result.problem else None,
        "reason": result.problem.reason if result.problem else None,
    }
