"""media signals

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02

every signal of a file in one table, ``media_signals(sha256, kind, locator, value, quality)``,
instead of PDQ columns on ``media`` and a separate ``video_frames`` table: the whole file's
PDQ has the locator "", its dihedral variants "variant=<name>", a video's frames
"t=<seconds>;frame=<number>" (derived content located in the file, as picture regions will be)
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VARIANTS = (
    "original",
    "rotate90",
    "rotate180",
    "rotate270",
    "flip_x",
    "flip_y",
    "flip_plus1",
    "flip_minus1",
)
BATCH = 2000


def upgrade() -> None:
    """Upgrade schema, moving the PDQ columns and video frames into media_signals."""
    signals = op.create_table(
        "media_signals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("locator", sa.String(length=80), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("quality", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["sha256"],
            ["media.sha256"],
            name=op.f("fk_media_signals_sha256_media"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_signals")),
        sa.UniqueConstraint("sha256", "kind", "locator", name="uq_media_signals_signal"),
    )
    op.create_index("ix_media_signals_kind", "media_signals", ["kind", "locator"])
    conn = op.get_bind()
    pending: list[dict[str, object]] = []

    def flush(force: bool = False) -> None:
        if pending and (force or len(pending) >= BATCH):
            conn.execute(signals.insert(), pending)
            pending.clear()

    old = conn.execute(
        sa.text(
            "SELECT sha256, pdq, pdq_quality, pdq_variants FROM media "
            "WHERE pdq IS NOT NULL ORDER BY sha256"
        )
    )
    for sha256, pdq, quality, variants in old.fetchall():
        pending.append(_row(sha256, "", pdq, quality))
        for name, value in zip(VARIANTS, variants.split(",") if variants else (), strict=False):
            pending.append(_row(sha256, f"variant={name}", value, None))
        flush()
    frames = conn.execute(
        sa.text(
            "SELECT sha256, frame_number, timestamp, pdq, quality FROM video_frames "
            "ORDER BY sha256, frame_number"
        )
    )
    for sha256, number, timestamp, pdq, quality in frames.fetchall():
        pending.append(_row(sha256, f"t={float(timestamp)!r};frame={int(number)}", pdq, quality))
        flush()
    flush(force=True)
    op.drop_table("video_frames")
    with op.batch_alter_table("media", schema=None) as batch_op:
        batch_op.drop_column("pdq_variants")
        batch_op.drop_column("pdq_quality")
        batch_op.drop_column("pdq")


def _row(sha256: str, locator: str, value: str, quality: int | None) -> dict[str, object]:
    return {"sha256": sha256, "kind": "pdq", "locator": locator, "value": value, "quality": quality}


def downgrade() -> None:
    """Downgrade schema (PDQ and frames back in their columns and table)."""
    with op.batch_alter_table("media", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pdq", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("pdq_quality", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("pdq_variants", sa.Text(), nullable=True))
    frames = op.create_table(
        "video_frames",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("frame_number", sa.Integer(), nullable=False),
        sa.Column("timestamp", sa.Float(), nullable=False),
        sa.Column("pdq", sa.String(length=64), nullable=False),
        sa.Column("quality", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sha256"],
            ["media.sha256"],
            name=op.f("fk_video_frames_sha256_media"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_video_frames")),
        sa.UniqueConstraint("sha256", "frame_number", name="uq_video_frames_frame"),
    )
    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            "SELECT sha256, locator, value, quality FROM media_signals WHERE kind = 'pdq' "
            "ORDER BY sha256, id"
        )
    ).fetchall()
    variants: dict[str, list[str]] = {}
    for sha256, locator, value, quality in rows:
        if locator == "":
            conn.execute(
                sa.text("UPDATE media SET pdq = :v, pdq_quality = :q WHERE sha256 = :s"),
                {"v": value, "q": quality, "s": sha256},
            )
        elif locator.startswith("variant="):
            variants.setdefault(sha256, []).append(value)
        elif locator.startswith("t="):
            seconds, number = locator[2:].split(";frame=")
            conn.execute(
                frames.insert(),
                {
                    "sha256": sha256,
                    "frame_number": int(number),
                    "timestamp": float(seconds),
                    "pdq": value,
                    "quality": quality,
                },
            )
    for sha256, values in variants.items():
        conn.execute(
            sa.text("UPDATE media SET pdq_variants = :v WHERE sha256 = :s"),
            {"v": ",".join(values), "s": sha256},
        )
    op.drop_index("ix_media_signals_kind", table_name="media_signals")
    op.drop_table("media_signals")
