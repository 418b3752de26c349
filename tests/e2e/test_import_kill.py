"""An import killed with SIGKILL in the middle of its transaction leaves the store as it was;
running it again imports it whole. On both backends.

The kill is sent only once the import is seen mid-way from a second connection: the store
holds a write transaction whose entries take space on disk (SQLite's write-ahead log,
PostgreSQL's table file) while none of them is visible yet. An import that finished, or was
never seen mid-way, fails the test instead of passing without having been interrupted.
"""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from crible.store import Store
from crible.store.tables import bank_entries, banks
from tests.e2e.cli import CRIBLE, crible_json
from tests.rows import count_rows

ENTRIES = 300_000
MIDWAY_BYTES = 1 << 20
"""Uncommitted entry data (bytes) that shows the import is well into its transaction."""


def sqlite_midway(path: Path, wal_before: int) -> bool:
    """A writer holds the SQLite store, its log grew by MIDWAY_BYTES, no entry is visible."""
    probe = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        try:
            probe.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:  # locked: another connection is writing
            visible = probe.execute("SELECT count(*) FROM bank_entries").fetchone()[0]
        else:
            probe.execute("ROLLBACK")
            return False
    except sqlite3.OperationalError:  # the reading itself was locked out for a moment
        return False
    finally:
        probe.close()
    wal = path.with_name(path.name + "-wal")
    grown = (wal.stat().st_size if wal.exists() else 0) - wal_before
    return visible == 0 and grown >= MIDWAY_BYTES


POSTGRES_MIDWAY = text(
    """
    SELECT
      (SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
        WHERE c.relname = 'bank_entries' AND l.mode = 'RowExclusiveLock' AND l.granted
          AND l.pid <> pg_backend_pid()) AS writers,
      pg_relation_size('bank_entries') AS size,
      (SELECT count(*) FROM bank_entries) AS visible
    """
)


def postgres_midway(engine: Engine, size_before: int) -> bool:
    """Another session holds a write lock on bank_entries, whose table file grew by
    MIDWAY_BYTES, and no entry is visible."""
    with engine.connect() as conn:
        writers, size, visible = conn.execute(POSTGRES_MIDWAY).one()
    return bool(writers > 0 and visible == 0 and size - size_before >= MIDWAY_BYTES)


def test_killed_import_leaves_nothing_half_done(store_url: str, tmp_path: Path) -> None:
    path = tmp_path / "list.txt"
    with path.open("w") as out:
        for n in range(ENTRIES):
            out.write(hashlib.sha1(f"benign-{n}".encode()).hexdigest() + "\n")
    Store.open(store_url).close()  # schema in place, so the import itself is what gets killed

    engine: Engine | None = None
    if store_url.startswith("sqlite:///"):
        db = Path(store_url.removeprefix("sqlite:///"))
        wal = db.with_name(db.name + "-wal")
        wal_before = wal.stat().st_size if wal.exists() else 0

        def midway() -> bool:
            return sqlite_midway(db, wal_before)
    else:
        engine = create_engine(store_url)
        with engine.connect() as conn:
            size_before = int(conn.scalar(text("SELECT pg_relation_size('bank_entries')")) or 0)

        def midway() -> bool:
            assert engine is not None
            return postgres_midway(engine, size_before)

    process = subprocess.Popen(
        [CRIBLE, "--db", store_url, "bank", "import", str(path), "--name", "big"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "CRIBLE_PROGRESS": "0"},
    )
    try:
        while not midway():
            assert process.poll() is None, "the import ended before it was seen mid-way"
            time.sleep(0.005)
        process.send_signal(signal.SIGKILL)
        process.wait()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if engine is not None:
            engine.dispose()
    assert process.returncode == -signal.SIGKILL, "the import was not killed mid-way"

    with Store.open(store_url) as store:
        assert count_rows(store, banks) == 0
        assert count_rows(store, bank_entries) == 0

    report = crible_json("bank", "import", str(path), "--name", "big", db=store_url)

    assert report["added"] == ENTRIES and not report["rejected"]
