"""Persistence of the audit log: append with the previous entry's hash, read in order."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

from sqlalchemy import Connection, Engine, insert, select, text
from sqlalchemy.exc import IntegrityError

from crible.model.audit import GENESIS, AuditEntry
from crible.model.errors import StoreError
from crible.store.columns import as_utc
from crible.store.serve_tables import audit_log

APPEND_TRIES = 20


class AuditRepository:
    """The audit log table."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def append(
        self,
        at: datetime,
        actor: str,
        action: str,
        target: str,
        detail: str,
        digest: Callable[[datetime, str, str, str, str, str], str],
    ) -> str:
        """Append one entry chained to the last one; returns its hash.

        ``prev_hash`` is unique: when two writers read the same last entry, one insert
        fails and is retried on the new last entry, so the chain never forks.
        """
        for _ in range(APPEND_TRIES):
            try:
                with self.engine.begin() as conn:
                    return append_in(conn, at, actor, action, target, detail, digest)
            except IntegrityError:
                continue
        raise StoreError("cannot append to the audit log: too many concurrent writers")

    def entries(
        self, *, action: str | None = None, limit: int | None = None
    ) -> Iterator[AuditEntry]:
        """Entries in the order they were appended (newest last)."""
        newest_first = limit is not None  # the newest ``limit``, put back in order below
        order = audit_log.c.id.desc() if newest_first else audit_log.c.id
        query = select(audit_log).order_by(order).limit(limit)
        if action is not None:
            query = query.where(audit_log.c.action == action)
        with self.engine.connect() as conn:
            result = conn.execution_options(yield_per=2000).execute(query)
            rows = reversed(list(result)) if newest_first else result
            for row in rows:
                m = row._mapping
                at = as_utc(m["at"])
                assert at is not None
                yield AuditEntry(
                    id=m["id"],
                    at=at,
                    actor=m["actor"],
                    action=m["action"],
                    target=m["target"],
                    detail=m["detail"],
                    prev_hash=m["prev_hash"],
                    hash=m["hash"],
                )


def append_in(
    conn: Connection,
    at: datetime,
    actor: str,
    action: str,
    target: str,
    detail: str,
    digest: Callable[[datetime, str, str, str, str, str], str],
) -> str:
    """Append one entry inside the caller's transaction (the change it records commits with
    it, or neither does). On PostgreSQL appenders take turns (a table lock until commit);
    SQLite has one writer at a time anyway."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE"))
    last = conn.execute(select(audit_log.c.hash).order_by(audit_log.c.id.desc()).limit(1)).scalar()
    prev = str(last) if last is not None else GENESIS
    value = digest(at, actor, action, target, detail, prev)
    conn.execute(
        insert(audit_log).values(
            at=at,
            actor=actor,
            action=action,
            target=target,
            detail=detail,
            prev_hash=prev,
            hash=value,
        )
    )
    return value
