"""Commands through the console script, each against an oracle outside crible: ``crible hash``
(hashlib and pdqhash), ``scan --fast``, ``messages --account/--since`` (the export read with
json here) and the store chosen by ``$CRIBLE_DB``."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from crible.services.demo_media import picture, save_jpeg
from crible.store import Store
from crible.store.tables import media
from tests import oracles
from tests.conftest import DATA
from tests.e2e.cli import CRIBLE, crible, crible_json
from tests.rows import media_pdq

PDQ_DATA = DATA / "vectors" / "pdq"
PICTURES = [
    PDQ_DATA / "bridge-mods" / "aaa-orig.jpg",
    PDQ_DATA / "pytx-test-resources" / "LA.png",
    PDQ_DATA / "pytx-test-resources" / "rgb.jpeg",
    PDQ_DATA / "misc-images" / "c.png",
]
NOT_PICTURES = [
    DATA / "README.md",
    DATA / "vectors" / "vpdq" / "sample-videos" / "doorknob-hd-no-bar.mp4",
]
FAST_DRIFT = 10
"""Bits a fast-mode PDQ may move from the exact one (crible/signals/pdq.py measured 6 at most)."""


def hash_lines(*paths: Path, fast: bool = False) -> list[dict[str, Any]]:
    done = crible("hash", *(["--fast"] if fast else []), *map(str, paths), db=None)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_hash_prints_what_hashlib_and_pdqhash_compute() -> None:
    printed = hash_lines(*PICTURES, *NOT_PICTURES)

    assert [Path(line["path"]) for line in printed] == [*PICTURES, *NOT_PICTURES]
    for line, path in zip(printed, [*PICTURES, *NOT_PICTURES], strict=True):
        assert {k: line[k] for k in ("sha256", "sha1", "md5")} == oracles.digests(path), path
        assert line["size"] == path.stat().st_size
    for line, path in zip(printed[: len(PICTURES)], PICTURES, strict=True):
        assert (line["pdq"], line["pdq_quality"]) == oracles.pdq(path), path
        assert line["pdq_status"] == "ok"
    for line in printed[len(PICTURES) :]:
        assert (line["pdq"], line["pdq_status"]) == (None, "not_image")


def test_hash_fast_keeps_the_digests_and_moves_pdq_a_few_bits(tmp_path: Path) -> None:
    big = [save_jpeg(picture(seed, (1600, 1200)), tmp_path / f"{seed}.jpg") for seed in (1, 2)]

    for line, path in zip(hash_lines(*big, fast=True), big, strict=True):
        assert {k: line[k] for k in ("sha256", "sha1", "md5")} == oracles.digests(path)
        assert oracles.distance(line["pdq"], oracles.pdq(path)[0]) <= FAST_DRIFT


def stored_pdq(db: str) -> dict[str, tuple[str, str]]:
    """sha256 -> (pdq, hash mode) of every file in the store."""
    with Store.open(db) as store, store.engine.connect() as conn:
        joined, pdq_column = media_pdq()
        query = select(media.c.sha256, pdq_column, media.c.hash_mode).select_from(joined)
        rows = conn.execute(query).all()
    return {sha: (pdq, mode) for sha, pdq, mode in rows}


def test_scan_fast_matches_and_stores_fast_hashes_that_an_exact_scan_replaces(
    tmp_path: Path,
) -> None:
    db = str(tmp_path / "crible.db")
    folder = tmp_path / "media"
    files = [save_jpeg(picture(seed, (1600, 1200)), folder / f"{seed}.jpg") for seed in range(3)]
    exact = {oracles.digests(f)["sha256"]: oracles.pdq(f)[0] for f in files}
    bank = tmp_path / "bank.csv"
    bank.write_text(f"signal_type,signal_value\npdq,{oracles.pdq(files[0])[0]}\n")
    crible_json("bank", "import", str(bank), "--name", "known", db=db)

    fast = crible_json("scan", "--fast", "--workers", "0", str(folder), db=db)

    assert fast["options"]["fast"] is True and fast["files_hashed"] == 3
    assert [m["locations"] for m in fast["matches"]] == [[str(files[0])]]
    stored = stored_pdq(db)
    assert set(stored) == set(exact) and {mode for _, mode in stored.values()} == {"fast"}
    assert all(oracles.distance(pdq, exact[sha]) <= FAST_DRIFT for sha, (pdq, _) in stored.items())

    again = crible_json("scan", "--workers", "0", str(folder), db=db)

    assert again["options"]["fast"] is False and again["files_hashed"] == 3
    assert stored_pdq(db) == {sha: (pdq, "exact") for sha, pdq in exact.items()}


TELEGRAM = DATA / "samples" / "telegram" / "langchain-community__result.json"


def source_messages(
    account: str | None = None, since: datetime | None = None
) -> list[tuple[datetime, str]]:
    """(UTC time, text) of the export's messages, read with json here, filtered as asked."""
    found = []
    for message in json.loads(TELEGRAM.read_text(encoding="utf-8"))["messages"]:
        sent = datetime.fromtimestamp(int(message["date_unixtime"]), UTC)
        by = account is None or account in (message["from"], message["from_id"])
        if message["type"] == "message" and by and (since is None or sent >= since):
            found.append((sent, message["text"]))
    return sorted(found)


FILTERS = [
    ("user123450513", None),
    ("Batman & Robin", None),
    (None, "2023-08-23 20:13:20"),  # the second message's very second: it is included
    (None, "2023-08-23T20:14:00"),  # UTC: the export's local clock said 13:14
    ("Jimmeny Marvelton", "2023-08-23 20:14:00"),
    ("Batman & Robin", "2023-08-23 20:14:00"),
    (None, "2023-08-24"),
]


def test_messages_by_account_and_since(tmp_path: Path) -> None:
    db = str(tmp_path / "crible.db")
    crible_json("ingest", "telegram", str(TELEGRAM), db=db)
    counts = []
    for account, since in FILTERS:
        args = [
            *(["--account", account] if account else []),
            *(["--since", since] if since else []),
        ]

        shown = crible_json("messages", *args, db=db)

        when = datetime.fromisoformat(since).replace(tzinfo=UTC) if since else None
        expected = source_messages(account, when)
        got = [(datetime.fromisoformat(m["sent_at"]), m["text"]) for m in shown]
        assert got == expected, args
        counts.append(len(expected))
    assert counts == [3, 1, 3, 2, 2, 0, 0]  # the filters do select, not all or nothing


def run_with_env(*args: str, env_db: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run crible with $CRIBLE_DB set (and --db only if ARGS say so)."""
    env = {**os.environ, "CRIBLE_DB": env_db, "CRIBLE_PROGRESS": "0"}
    return subprocess.run(
        [CRIBLE, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=300
    )


def bank_names(url: str) -> list[str]:
    with Store.open(url) as store:
        return sorted(bank.name for bank in store.banks.all())


def test_crible_db_selects_the_store_and_db_overrides_it(store_url: str, tmp_path: Path) -> None:
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    listed = tmp_path / "list.txt"
    listed.write_text("d41d8cd98f00b204e9800998ecf8427e\n")

    done = run_with_env(
        "bank", "import", str(listed), "--name", "from-env", env_db=store_url, cwd=cwd
    )
    assert done.returncode == 0, done.stderr
    shown = run_with_env("bank", "list", "--json", env_db=store_url, cwd=cwd)
    assert shown.returncode == 0, shown.stderr
    assert [b["name"] for b in json.loads(shown.stdout)] == ["from-env"]

    other = f"sqlite:///{tmp_path / 'other.db'}"
    args = ["--db", other, "bank", "import", str(listed), "--name", "from-flag"]
    done = run_with_env(*args, env_db=store_url, cwd=cwd)
    assert done.returncode == 0, done.stderr

    assert bank_names(store_url) == ["from-env"]
    assert bank_names(other) == ["from-flag"]
    assert list(cwd.iterdir()) == []  # no ./crible.db beside the user
