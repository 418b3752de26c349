"""review decisions

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29

review: decisions and suppressed entries
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "review_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("verdict", sa.String(length=20), nullable=False),
        sa.Column("reviewer", sa.String(length=200), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("category_scheme", sa.String(length=40), nullable=True),
        sa.Column("category_code", sa.String(length=16), nullable=True),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sha256"],
            ["media.sha256"],
            name=op.f("fk_review_decisions_sha256_media"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["bank_entries.id"],
            name=op.f("fk_review_decisions_entry_id_bank_entries"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_decisions")),
    )
    op.create_index(
        op.f("ix_review_decisions_sha256"), "review_decisions", ["sha256"], unique=False
    )
    op.create_table(
        "suppressed_entries",
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("suppressed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["bank_entries.id"],
            name=op.f("fk_suppressed_entries_entry_id_bank_entries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["review_decisions.id"],
            name=op.f("fk_suppressed_entries_decision_id_review_decisions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("entry_id", name=op.f("pk_suppressed_entries")),
    )
    op.create_index(
        op.f("ix_suppressed_entries_decision_id"),
        "suppressed_entries",
        ["decision_id"],
        unique=False,
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(op.f("ix_suppressed_entries_decision_id"), table_name="suppressed_entries")
    op.drop_table("suppressed_entries")
    op.drop_index(op.f("ix_review_decisions_sha256"), table_name="review_decisions")
    op.drop_table("review_decisions")
