"""identity names

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02

given and family names of an identification, when the identification data gives them
apart (a full name is never split by guessing)
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column("identities", sa.Column("given_name", sa.String(length=300), nullable=True))
    op.add_column("identities", sa.Column("family_name", sa.String(length=300), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("identities") as batch:
        batch.drop_column("family_name")
        batch.drop_column("given_name")
