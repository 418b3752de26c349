"""Settings that belong to a store rather than to one command or server (migration 0007):
how many reviewers must confirm a file, for instance, must be the same for the review queue,
the web app and the cases built from the decisions."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Engine, String, Table, Text, select

from crible.store.columns import now
from crible.store.sql import upsert
from crible.store.tables import metadata

store_settings = Table(
    "store_settings",
    metadata,
    Column("name", String(80), primary_key=True),
    Column("value", Text, nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
    Column("changed_by", String(200), nullable=False),
)


def read_setting(engine: Engine, name: str) -> str | None:
    """The stored value of a setting, None if it was never set."""
    with engine.connect() as conn:
        value: str | None = conn.execute(
            select(store_settings.c.value).where(store_settings.c.name == name)
        ).scalar_one_or_none()
    return value


def write_setting(engine: Engine, name: str, value: str, actor: str) -> None:
    """Set (or change) a setting."""
    with engine.begin() as conn:
        upsert(
            conn,
            store_settings,
            [{"name": name, "value": value, "changed_at": now(), "changed_by": actor}],
            keys=["name"],
            update=["value", "changed_at", "changed_by"],
        )
