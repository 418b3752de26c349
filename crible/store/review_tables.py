"""Tables of review decisions and of the bank entries that rejections suppressed (0004)."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, Table, Text

from crible.store.tables import metadata

review_decisions = Table(
    "review_decisions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sha256", ForeignKey("media.sha256", ondelete="CASCADE"), nullable=False, index=True),
    Column("verdict", String(20), nullable=False),
    Column("reviewer", String(200), nullable=False),
    Column("decided_at", DateTime(timezone=True), nullable=False),
    Column("category_scheme", String(40)),
    Column("category_code", String(16)),
    Column("entry_id", ForeignKey("bank_entries.id", ondelete="SET NULL")),
    Column("note", Text, nullable=False),
)

suppressed_entries = Table(
    "suppressed_entries",
    metadata,
    Column("entry_id", ForeignKey("bank_entries.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "decision_id",
        ForeignKey("review_decisions.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("suppressed_at", DateTime(timezone=True), nullable=False),
)
