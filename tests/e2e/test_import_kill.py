"""An import killed with SIGKILL leaves the store as it was; running it again imports it whole.
On both backends."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import time
from pathlib import Path

from crible.store import Store
from crible.store.tables import bank_entries, banks
from tests.e2e.cli import CRIBLE, crible_json
from tests.rows import count_rows

ENTRIES = 300_000


def test_killed_import_leaves_nothing_half_done(store_url: str, tmp_path: Path) -> None:
    path = tmp_path / "list.txt"
    with path.open("w") as out:
        for n in range(ENTRIES):
            out.write(hashlib.sha1(f"benign-{n}".encode()).hexdigest() + "\n")
    Store.open(store_url).close()  # schema in place, so the import itself is what gets killed

    process = subprocess.Popen(
        [CRIBLE, "--db", store_url, "bank", "import", str(path), "--name", "big"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "CRIBLE_PROGRESS": "0"},
    )
    time.sleep(1.5)
    assert process.poll() is None, "the import finished before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait()

    with Store.open(store_url) as store:
        assert count_rows(store, banks) == 0
        assert count_rows(store, bank_entries) == 0

    report = crible_json("bank", "import", str(path), "--name", "big", db=store_url)

    assert report["added"] == ENTRIES and not report["rejected"]
