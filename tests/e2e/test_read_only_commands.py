"""Commands that only show never write: without a store they create none and say how to make
one; on a store (the demo's, on both backends) they leave every byte and row as it was.
Every command is classified here, so a new one must say which kind it is."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from sqlalchemy import create_engine, inspect, text

from crible.cli.main import cli
from tests.e2e.cli import crible, crible_json
from tests.postgres import ThrowawayPostgres

READS: dict[str, tuple[str, ...]] = {
    "results": (),
    "accounts": (),
    "chats": (),
    "messages": ("--limit", "50"),
    "media": ("--matched",),
    "suspects": (),
    "account": ("{account}",),
    "graph": ("--format", "gexf", "-o", "{out}/network.gexf"),
    "audit show": (),
    "audit verify": (),
    "case list": (),
    "case show": ("{case}",),
    "review list": (),
    "review show": ("{sha256}",),
    "review feedback": (),
    "review settings": (),
    "bank list": (),
    "bank show": ("{bank}",),
    "bank export": ("{bank}", "-o", "{out}/bank.csv"),
    "user list": (),
}
"""Commands that only show, with arguments that name things in the demo's store."""

WRITES = {
    "bank delete",
    "bank disable",
    "bank enable",
    "bank import",
    "case add-evidence",
    "case add-suspect",
    "case create",
    "case export",
    "case identify",
    "case route",
    "db upgrade",
    "demo",
    "export caseuco",
    "export dossier",
    "export ncmec",
    "export vics",
    "ingest delete",
    "ingest discord",
    "ingest telegram",
    "ingest whatsapp",
    "review confirm",
    "review escalate",
    "review reject",
    "scan",
    "scan delete",
    "serve",
    "user add",
    "user disable",
    "user enable",
    "user password",
    "user revoke-tokens",
    "user token",
}
"""Commands that change the store (and create or migrate it); each records what it did."""

NO_STORE = {"export formats", "hash", "keys init", "verify"}
"""Commands that do not use the store at all."""


def _commands() -> set[str]:
    ctx = click.Context(cli)
    found: set[str] = set()

    def walk(group: click.Group, prefix: str) -> None:
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            if isinstance(command, click.Group):
                walk(command, f"{prefix}{name} ")
            elif command is not None:
                found.add(f"{prefix}{name}")

    walk(cli, "")
    return found


def test_every_command_is_classified_once() -> None:
    kinds = [set(READS), WRITES, NO_STORE]
    assert set().union(*kinds) == _commands()
    assert sum(len(k) for k in kinds) == len(_commands())


def _args(name: str, facts: dict[str, str]) -> list[str]:
    return [*name.split(), *(a.format(**facts) for a in READS[name])]


def test_without_a_store_nothing_is_created(tmp_path: Path) -> None:
    facts = {"account": "1", "case": "CRB-2026-0001", "sha256": "0" * 64, "bank": "b"}
    facts["out"] = str(tmp_path / "out")
    for name in READS:
        done = crible(*_args(name, facts), db=None, cwd=tmp_path)
        assert done.returncode == 2, (name, done.stdout, done.stderr)
        assert f"there is no store at {tmp_path / 'crible.db'}" in done.stderr, name
        assert "crible db upgrade" in done.stderr and "Traceback" not in done.stderr
        assert list(tmp_path.iterdir()) == [], name


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, dict[str, str]]]:
    """The demo's store, and names of things in it for the commands' arguments."""
    folder = tmp_path_factory.mktemp("demo")
    if request.param == "sqlite":
        db = str(folder / "demo" / "crible.db")
    else:
        server: ThrowawayPostgres = request.getfixturevalue("postgres")
        db = server.create_database()
    made = crible("demo", "--dir", str(folder / "demo"), "--pictures", "40", "-j", "2", db=db)
    assert made.returncode == 0, made.stderr
    facts = {
        "account": str(crible_json("suspects", db=db)[0]["account_id"]),
        "case": crible_json("case", "list", db=db)[0]["reference"],
        "sha256": crible_json("review", "list", "--status", "all", db=db)[0]["sha256"],
        "bank": crible_json("bank", "list", db=db)[0]["name"],
        "out": str(folder / "out"),
    }
    (folder / "out").mkdir()
    yield db, facts


def _fingerprint(db: str) -> dict[str, Any]:
    """Every row of every table; for SQLite also the store file's bytes and its log's size."""
    found: dict[str, Any] = {}
    if "://" not in db:  # a SQLite file
        path = Path(db)
        found["file"] = hashlib.sha256(path.read_bytes()).hexdigest()
        log = Path(f"{path}-wal")
        found["log"] = log.stat().st_size if log.exists() else 0
        uri = f"{path.as_uri()}?mode=ro"
        engine = create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True))
    else:
        engine = create_engine(db)
    with engine.connect() as conn:
        for table in sorted(inspect(conn).get_table_names()):
            rows = conn.execute(text(f'SELECT * FROM "{table}"')).all()
            found[table] = hashlib.sha256(json.dumps(sorted(map(repr, rows))).encode()).hexdigest()
    engine.dispose()
    return found


def test_commands_that_only_show_change_nothing(demo: tuple[str, dict[str, str]]) -> None:
    db, facts = demo
    before = _fingerprint(db)
    assert before.get("log", 0) == 0  # the demo closed its store: everything is in the file
    for name in READS:
        done = crible(*_args(name, facts), db=db)
        assert done.returncode == 0, (name, done.stdout, done.stderr)
        assert _fingerprint(db) == before, name
