"""Open a store: SQLite file by default (WAL), PostgreSQL by URL; read-only when only reading."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from crible.model.errors import NoStore, StoreUnavailable, UserError

DEFAULT_URL = "sqlite:///crible.db"
ENV_VAR = "CRIBLE_DB"
MAKE_ONE = (
    "`crible db upgrade` creates an empty one; `crible scan`, `ingest` and `bank import` fill it"
)


def resolve_url(url: str | None) -> str:
    """The store URL: given, else $CRIBLE_DB, else ./crible.db. A bare path means SQLite."""
    chosen = url or os.environ.get(ENV_VAR) or DEFAULT_URL
    if "://" not in chosen:
        chosen = f"sqlite:///{Path(chosen).expanduser().resolve()}"
    return chosen


def make_engine(url: str, *, readonly: bool = False) -> Engine:
    """Create the engine with the connection settings crible relies on.

    A read-only engine never writes: SQLite is opened with ``mode=ro`` (``immutable=1`` on a
    write-blocked medium) and ``query_only``; PostgreSQL sessions are read-only transactions.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise UserError(f"not a database URL: {url!r}") from exc
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, readonly)
    if parsed.get_backend_name() == "postgresql":
        return _postgres_engine(parsed, readonly)
    raise UserError(f"unsupported database {parsed.get_backend_name()!r}: use sqlite or postgresql")


def shown(url: URL) -> str:
    """How a store is named in messages: its file for SQLite, else its URL without password."""
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return str(Path(str(url.database)).resolve())
    return url.render_as_string(hide_password=True)


def _postgres_engine(parsed: URL, readonly: bool) -> Engine:
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    connect_args = {"options": "-c default_transaction_read_only=on"} if readonly else {}
    try:
        return create_engine(parsed, pool_pre_ping=True, connect_args=connect_args)
    except ImportError as exc:
        raise StoreUnavailable(
            f"cannot open the store at {shown(parsed)}: the "
            f"PostgreSQL driver is not installed ({exc}); install it with "
            "`pip install 'psycopg[binary]'`"
        ) from exc


def _sqlite_engine(parsed: URL, readonly: bool) -> Engine:
    database = parsed.database
    if not database or database == ":memory:":
        return _with_pragmas(create_engine(parsed, connect_args={"timeout": 30}), readonly)
    path = Path(database).resolve()
    if path.is_dir():
        raise StoreUnavailable(f"{path} is a folder: name the store's file (e.g. {path}/crible.db)")
    if readonly:
        if not path.exists():
            raise NoStore(f"there is no store at {path}: {MAKE_ONE} (or name another with --db)")
        return _with_pragmas(create_engine(parsed, creator=_read_only(path)), readonly)
    _check_writable(path)
    return _with_pragmas(create_engine(parsed, connect_args={"timeout": 30}), readonly)


def _check_writable(path: Path) -> None:
    """A store that changes needs its file and folder writable (WAL keeps files beside it)."""
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreUnavailable(
            f"cannot create the store {path}: cannot make its folder ({exc.strerror})"
        ) from exc
    if not os.access(folder, os.W_OK):
        what = "store" if path.exists() else "store's folder"
        raise StoreUnavailable(
            f"cannot write the store {path}: the {what} is read-only here; this command "
            "changes the store (commands that only read work on a read-only copy)"
        )
    if path.exists() and not os.access(path, os.W_OK):
        raise StoreUnavailable(
            f"cannot write the store {path}: the file is read-only; this command changes "
            "the store (commands that only read work on a read-only copy)"
        )


def _read_only(path: Path) -> Any:
    """Connections that cannot write: ``mode=ro``, or ``immutable=1`` on a write-blocked
    medium (its folder cannot be written, so no writer can be at work; SQLite could not
    create its lock files there) when no write-ahead log beside the file needs reading."""
    blocked = not os.access(path.parent, os.W_OK)
    has_log = Path(f"{path}-wal").exists()
    flag = "immutable=1" if blocked and not has_log else "mode=ro"
    uri = f"{path.resolve().as_uri()}?{flag}"

    def connect() -> sqlite3.Connection:
        return sqlite3.connect(uri, uri=True, timeout=30, check_same_thread=False)

    return connect


def _with_pragmas(engine: Engine, readonly: bool) -> Engine:
    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        if readonly:
            cursor.execute("PRAGMA query_only=ON")
        else:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    return engine


def open_problem(where: str, exc: DBAPIError) -> StoreUnavailable:
    """What went wrong opening a store, in words (the driver's own message kept)."""
    detail = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)
    lowered = detail.lower()
    if "file is not a database" in lowered:
        return StoreUnavailable(f"{where} is not a crible store: {detail}")
    if "readonly database" in lowered or "read-only transaction" in lowered:
        return StoreUnavailable(
            f"cannot write the store {where}: it is read-only; this command changes the store "
            "(commands that only read work on a read-only copy)"
        )
    if "unable to open database file" in lowered:
        return StoreUnavailable(
            f"cannot open the store {where}: {detail} (its folder may be read-only, or the "
            "write-ahead log beside it unreadable)"
        )
    return StoreUnavailable(f"cannot open the store at {where}: {detail}")
