"""scan owner

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02

the process that runs a scan (host, pid, start), so that a scan whose process is gone shows
as interrupted and is resumed, and a scan still running elsewhere is not taken over
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("scan_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner", sa.String(length=300), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("scan_runs", schema=None) as batch_op:
        batch_op.drop_column("owner")
