"""A scan stopped half-way says so honestly, on both backends: killed (SIGKILL), `crible
results` shows it interrupted without writing a byte, and the same scan resumes it; Ctrl-C
(SIGINT to the terminal's process group) exits 130 with the command that resumes it, and the
resumed run tells what it hashed now from what was done before."""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.exc import DBAPIError

from crible.services.demo_media import picture, save_jpeg
from crible.store.tables import media, scan_items, scan_runs
from tests.e2e.cli import CRIBLE, crible, crible_json

FILES = 240


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("interrupt") / "media"
    for seed in range(FILES):
        save_jpeg(picture(seed, (320, 240)), root / f"{seed // 60}" / f"{seed:04d}.jpg")
    return root


def _read(db: str, query: Any) -> Any:
    """The first row of ``query``, read without writing (None while there is no store yet):
    SQLite through its own read-only mode, so that the test's reads change no byte."""
    if db.startswith("sqlite:///"):
        path = Path(db.removeprefix("sqlite:///"))
        if not path.exists():
            return None
        engine = create_engine(
            db, creator=lambda: sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        )
    else:
        engine = create_engine(db)
    try:
        with engine.connect() as conn:
            return conn.execute(query).first()
    except DBAPIError:  # the schema may not exist yet at the first polls
        return None
    finally:
        engine.dispose()


def _recorded(db: str) -> int:
    row = _read(db, select(func.count()).select_from(scan_items))
    return int(row[0]) if row else 0


def _start_scan(db: str, folder: Path, *extra: str) -> subprocess.Popen[str]:
    """``crible scan`` in its own process group, as a terminal runs it."""
    return subprocess.Popen(
        [CRIBLE, "--db", db, "scan", str(folder), "-j", "2", "--no-progress", *extra],
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "CRIBLE_PROGRESS": "0"},
    )


def _stop_when_recorded(process: subprocess.Popen[str], db: str, sig: int, at_least: int) -> None:
    """Send ``sig`` to the scan and its workers once the store shows ``at_least`` files."""
    deadline = time.monotonic() + 120
    while _recorded(db) < at_least and process.poll() is None:
        assert time.monotonic() < deadline, "the scan never recorded anything"
        time.sleep(0.02)
    assert process.poll() is None, "the scan ended before it could be stopped"
    os.killpg(process.pid, sig)


def _fingerprint(db: str) -> tuple[Any, ...]:
    """The scan row, and for SQLite the bytes of the store file and its write-ahead log."""
    row = _read(db, select(scan_runs))
    files: list[str] = []
    if db.startswith("sqlite:///"):
        path = Path(db.removeprefix("sqlite:///"))
        for name in (path, Path(f"{path}-wal")):
            files.append(hashlib.sha256(name.read_bytes()).hexdigest() if name.exists() else "")
    return (tuple(row) if row else None, *files)


def test_a_killed_scan_shows_as_interrupted_without_a_write_and_resumes(
    store_url: str, folder: Path
) -> None:
    process = _start_scan(store_url, folder)
    _stop_when_recorded(process, store_url, signal.SIGKILL, 10)
    process.communicate()
    before = _recorded(store_url)
    assert 0 < before < FILES
    untouched = _fingerprint(store_url)

    shown = crible_json("results", db=store_url)
    table = crible("results", db=store_url)

    assert shown["status"] == "interrupted" and shown["files_seen"] == before
    assert table.returncode == 0 and f"scan {shown['scan_id']}: interrupted" in table.stdout
    assert _fingerprint(store_url) == untouched  # showing wrote nothing
    resumed = crible_json("scan", str(folder), "-j", "2", db=store_url)
    assert resumed["scan_id"] == shown["scan_id"] and resumed["resumed"] is True
    assert resumed["status"] == "completed" and resumed["already_done"] == before
    assert resumed["recorded_now"] == FILES - before and resumed["files_seen"] == FILES
    assert _read(store_url, select(func.count()).select_from(scan_items))[0] == FILES
    assert _read(store_url, select(func.count()).select_from(media))[0] == FILES


def test_ctrl_c_exits_130_says_how_to_resume_and_counts_apart(store_url: str, folder: Path) -> None:
    process = _start_scan(store_url, folder)
    _stop_when_recorded(process, store_url, signal.SIGINT, 10)
    _, stderr = process.communicate(timeout=120)

    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    command = f"crible --db {store_url} scan {folder} -j 2 --no-progress"
    assert f"run the same command again to resume: {command}" in stderr
    before = _recorded(store_url)
    assert 0 < before < FILES
    assert f"{before} files recorded" in stderr
    assert _read(store_url, select(scan_runs.c.status))[0] == "interrupted"
    assert crible_json("results", db=store_url)["status"] == "interrupted"

    resumed = crible_json("scan", str(folder), "-j", "2", db=store_url)

    assert resumed["resumed"] is True and resumed["status"] == "completed"
    assert resumed["already_done"] == before
    assert resumed["hashed_now"] == FILES - before  # not the run's total
    assert resumed["files_hashed"] == FILES
    again = crible("results", db=store_url)
    assert again.returncode == 0 and "hashed now" not in again.stdout
