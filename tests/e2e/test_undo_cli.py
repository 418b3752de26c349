"""`crible ingest delete` and `crible scan delete` through the entry point, on both backends:
confirmation, exit codes, what is left, the audit entry with the actor of the command line."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from crible.services.demo_media import picture, save_jpeg
from crible.services.demo_telegram import TelegramExport, at
from tests.e2e.cli import CRIBLE, crible, crible_json


def _export(folder: Path, messages: range) -> Path:
    chat = TelegramExport(8001, "Group Two")
    for n in range(1, 9):
        chat.post(n, at(n), (n % 3 + 1, f"member {n % 3}"), f"line {n}")
    return chat.write(folder, only=messages)


def test_ingest_and_scan_delete_from_the_command_line(store_url: str, tmp_path: Path) -> None:
    first = crible_json(
        "ingest", "telegram", str(_export(tmp_path / "a", range(1, 6))), db=store_url
    )
    second = crible_json(
        "ingest", "telegram", str(_export(tmp_path / "b", range(4, 9))), db=store_url
    )
    save_jpeg(picture(1), tmp_path / "media" / "1.jpg")
    scanned = crible_json("scan", str(tmp_path / "media"), "-j", "0", db=store_url)
    env = {**os.environ, "CRIBLE_ACTOR": "cli:examiner", "CRIBLE_PROGRESS": "0"}
    env.pop("CRIBLE_DB", None)

    declined = subprocess.run(
        [CRIBLE, "--db", store_url, "ingest", "delete", str(first["ingest_id"])],
        input="n\n",
        capture_output=True,
        text=True,
        env=env,
    )
    assert declined.returncode == 2 and "nothing was changed" in declined.stderr
    done = subprocess.run(
        [CRIBLE, "--db", store_url, "ingest", "delete", str(first["ingest_id"]), "--yes", "--json"],
        capture_output=True,
        text=True,
        env=env,
    )

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["messages_removed"] == 3
    left = crible_json("messages", "--chat", "Group Two", db=store_url)
    assert [m["text"] for m in left] == [f"line {n}" for n in range(4, 9)]
    assert all(m["exports"] == 1 for m in left)
    gone = crible("ingest", "delete", str(first["ingest_id"]), "--yes", db=store_url)
    assert gone.returncode == 2 and f"no ingest {first['ingest_id']}" in gone.stderr
    assert second["scan_id"] is None  # no media: no scan of its own
    removed = crible_json("scan", "delete", str(scanned["scan_id"]), "--yes", db=store_url)
    assert removed["media_removed"] == 1
    assert crible("results", db=store_url).returncode == 2  # no scan left
    log = crible("audit", "show", "--action", "ingest_delete", db=store_url).stdout
    assert "cli:examiner" in log and f"ingest {first['ingest_id']}" in log
    assert crible("audit", "verify", db=store_url).returncode == 0
