"""Undoing an ingest or a scan: what only that run brought goes, in one transaction with its
audit entry; what another export or scan also brought stays, with that one's provenance.
Refused while a case holds any of the run's items (its provenance would change)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict

from sqlalchemy import Connection

from crible.model.audit import AuditAction
from crible.model.errors import Conflict
from crible.model.scans import ScanStatus
from crible.model.undo import Removal
from crible.services import audit
from crible.services.processes import state
from crible.store import Store
from crible.store import undo as undo_rows


def delete_ingest(store: Store, ingest_id: int, *, actor: str) -> Removal:
    """Remove ingest ``ingest_id``: its messages no other export carries, the accounts and
    chats only it created, and its media scan (see ``delete_scan``)."""
    return _in_one_transaction(
        store,
        lambda conn: undo_rows.delete_ingest(conn, ingest_id),
        actor,
        AuditAction.INGEST_DELETE,
    )


def delete_scan(store: Store, scan_id: int, *, actor: str) -> Removal:
    """Remove scan run ``scan_id``: the files no other scan saw and no message carries (with
    their matches), the places only it saw; a running scan or an ingest's scan is refused."""
    run = store.scans.get(scan_id)
    if state(run) is ScanStatus.RUNNING:
        raise Conflict(f"scan {scan_id} is running now: stop it first (Ctrl-C)")

    def remove(conn: Connection) -> Removal:
        undo_rows.refuse_ingest_scan(conn, scan_id)
        return undo_rows.delete_scan(conn, scan_id)

    return _in_one_transaction(store, remove, actor, AuditAction.SCAN_DELETE)


def _in_one_transaction(
    store: Store, remove: Callable[[Connection], Removal], actor: str, action: AuditAction
) -> Removal:
    with store.engine.begin() as conn:
        removal = remove(conn)
        detail = asdict(removal)
        target = f"{detail.pop('kind')} {detail.pop('run_id')}"
        audit.record_in(conn, actor, action, target, **detail)
        return removal
