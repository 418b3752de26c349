"""Tables of cases, their suspects and evidence, identifications and custody logs (0006)."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from crible.store.tables import metadata


def _authority_columns(prefix: str = "authority") -> list[Column[str]]:
    return [
        Column(f"{prefix}_country", String(8)),
        Column(f"{prefix}_code", String(40)),
        Column(f"{prefix}_name", String(300)),
        Column(f"{prefix}_parent", String(300)),
    ]


cases = Table(
    "cases",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("reference", String(40), nullable=False, unique=True),
    Column("title", Text, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("parent_id", ForeignKey("cases.id", ondelete="SET NULL"), index=True),
    *_authority_columns(),
)

case_suspects = Table(
    "case_suspects",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("added_at", DateTime(timezone=True), nullable=False),
    Column("added_by", String(200), nullable=False),
    *_authority_columns(),
    Column("unrouted_reason", Text),
    UniqueConstraint("case_id", "account_id", name="uq_case_suspects_account"),
)

identities = Table(
    "identities",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("full_name", String(500), nullable=False),
    Column("given_name", String(300)),
    Column("family_name", String(300)),
    Column("birth_date", Date),
    Column("address", Text),
    Column("commune_code", String(10)),
    Column("country", String(8)),
    Column("region", String(40)),
    Column("source", Text, nullable=False),
    Column("imported_from", Text, nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False),
)

case_evidence = Table(
    "case_evidence",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("ref", String(100), nullable=False),
    Column("sha256", String(64)),
    Column("description", Text, nullable=False),
    Column("added_at", DateTime(timezone=True), nullable=False),
    Column("added_by", String(200), nullable=False),
    Column("provenance", Text, nullable=False),
    UniqueConstraint("case_id", "kind", "ref", name="uq_case_evidence_item"),
)

custody_events = Table(
    "custody_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(40), nullable=False),
    Column("detail", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    UniqueConstraint("case_id", "seq", name="uq_custody_events_seq"),
)
