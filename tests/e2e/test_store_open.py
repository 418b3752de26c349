"""Stores that cannot be opened as asked get a message naming them, never a traceback: a
missing file to hash, a file that is not a database, PostgreSQL without its driver, a folder
that cannot be written, a write-blocked copy (readable by the commands that only show), a
store whose schema is older than the code (never migrated by a read)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import tomllib
from pathlib import Path

from sqlalchemy import create_engine, text

from crible.services.demo_media import picture, save_jpeg
from crible.signals.crypto import hash_file
from crible.store import migrate
from crible.store.engine import make_engine
from tests.e2e.blocked import write_blocked
from tests.e2e.cli import CRIBLE, crible, crible_json

ROOT = Path(__file__).resolve().parents[2]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _clean(done: subprocess.CompletedProcess[str], code: int, *named: str) -> None:
    """Exit ``code``, a message on stderr naming each of ``named``, and no traceback."""
    assert done.returncode == code, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    assert "Traceback" not in done.stderr
    for name in named:
        assert name in done.stderr, done.stderr


def _store(folder: Path) -> Path:
    """A small store: one bank, one scan of three pictures (one listed)."""
    media = folder / "media"
    for seed in range(3):
        save_jpeg(picture(seed), media / f"{seed}.jpg")
    bank = folder / "bank.txt"
    bank.write_text(hash_file(media / "0.jpg").md5 + "\n")
    db = folder / "crible.db"
    assert crible("bank", "import", str(bank), "--name", "b", db=str(db)).returncode == 0
    assert crible("scan", str(media), "-j", "0", db=str(db)).returncode == 0
    return db


def test_hashing_a_missing_or_unreadable_file_names_it(tmp_path: Path) -> None:
    _clean(crible("hash", "/nonexistent.jpg", db=None), 2, "/nonexistent.jpg")
    if Path("/proc/self/mem").exists():  # a file whose reads fail, even for root
        save_jpeg(picture(1), tmp_path / "p.jpg")
        done = crible("hash", "/proc/self/mem", str(tmp_path / "p.jpg"), db=None)
        _clean(done, 3, "/proc/self/mem: cannot read it")
        assert hash_file(tmp_path / "p.jpg").sha256 in done.stdout  # the other file is hashed


def test_a_file_that_is_not_a_database_is_named_and_left_alone(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("meeting notes, not a database\n" * 20)
    before = _digest(notes)
    save_jpeg(picture(1), tmp_path / "p.jpg")
    for args in (("results",), ("scan", str(tmp_path / "p.jpg")), ("db", "upgrade")):
        _clean(crible(*args, db=str(notes)), 2, str(notes), "is not a crible store")
    _clean(crible("results", db=str(tmp_path)), 2, f"{tmp_path} is a folder")
    assert _digest(notes) == before


def test_postgresql_without_its_driver_says_how_to_install_it(tmp_path: Path) -> None:
    hidden = tmp_path / "site"
    (hidden / "psycopg").mkdir(parents=True)
    (hidden / "psycopg" / "__init__.py").write_text(
        'raise ModuleNotFoundError("No module named \'psycopg\'", name="psycopg")\n'
    )
    env = {k: v for k, v in os.environ.items() if k != "CRIBLE_DB"}
    env["PYTHONPATH"] = os.pathsep.join([str(hidden), env.get("PYTHONPATH", "")])
    url = "postgresql://investigator@127.0.0.1:5/crible"
    for args in (("results",), ("db", "upgrade")):
        done = subprocess.run(
            [CRIBLE, "--db", url, *args], capture_output=True, text=True, env=env, timeout=120
        )
        _clean(done, 2, "investigator@127.0.0.1:5/crible", "PostgreSQL driver is not installed")
        assert "psycopg[binary]" in done.stderr


def test_psycopg_is_installed_with_crible() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert any(d.startswith("psycopg[binary]") for d in project["dependencies"])


def test_a_folder_that_cannot_be_written_is_named(tmp_path: Path) -> None:
    folder = tmp_path / "evidence"
    folder.mkdir()
    save_jpeg(picture(1), tmp_path / "p.jpg")
    with write_blocked(folder):
        target = folder / "crible.db"
        _clean(crible("scan", str(tmp_path / "p.jpg"), db=str(target)), 2, str(target))
        _clean(crible("results", db=str(target)), 2, f"there is no store at {target}")
        assert not any(folder.iterdir())
    deeper = folder / "sub" / "crible.db"
    folder.chmod(0o755)
    with write_blocked(folder):
        _clean(crible("db", "upgrade", db=str(deeper)), 2, str(deeper), "cannot make its folder")


def test_a_write_blocked_copy_is_read_and_never_changed(tmp_path: Path) -> None:
    db = _store(tmp_path)
    expected = crible_json("results", db=str(db))
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / "crible.db").write_bytes(db.read_bytes())
    before = _digest(copy / "crible.db")
    with write_blocked(copy) as folder:
        store = folder / "crible.db"
        assert crible_json("results", db=str(store)) == expected
        for args in (("bank", "list"), ("media",), ("audit", "verify"), ("review", "list")):
            assert crible(*args, db=str(store)).returncode == 0, args
        refused = crible("scan", str(tmp_path / "media"), db=str(store))
        _clean(refused, 2, str(store), "read-only")
        assert sorted(p.name for p in folder.iterdir()) == ["crible.db"]
    assert _digest(copy / "crible.db") == before


def test_a_read_never_migrates_and_refuses_an_older_schema(store_url: str) -> None:
    engine = make_engine(store_url)
    migrate.upgrade(engine, "0007")
    engine.dispose()
    head = migrate.head_revision()
    file = Path(store_url.removeprefix("sqlite:///")) if store_url.startswith("sqlite") else None
    before = _digest(file) if file else None

    done = crible("results", db=store_url)

    _clean(done, 2, "schema revision 0007, older than this crible's", "crible db upgrade")
    assert (_digest(file) if file else None) == before
    plain = create_engine(store_url)
    with plain.connect() as conn:
        assert conn.scalar(text("SELECT version_num FROM alembic_version")) == "0007"
    assert crible("db", "upgrade", db=store_url).returncode == 0
    with plain.connect() as conn:
        assert conn.scalar(text("SELECT version_num FROM alembic_version")) == head
    plain.dispose()
    _clean(crible("results", db=store_url), 2, "no scan has been run")


def test_an_empty_database_is_not_a_store_to_read(store_url: str) -> None:
    done = crible("accounts", db=store_url)
    if store_url.startswith("sqlite"):
        _clean(done, 2, "there is no store at")
        assert not Path(store_url.removeprefix("sqlite:///")).exists()
    else:
        _clean(done, 2, "there is no crible store in")
