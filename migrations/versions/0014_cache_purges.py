"""Response-cache purges recorded with each write (coherence across workers and instances).

Revision ID: 0014c
Revises: 0004
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0014c"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cache_purge",
        sa.Column("gen", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("gen"),
    )


def downgrade() -> None:
    op.drop_table("cache_purge")
