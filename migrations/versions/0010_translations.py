"""Translations of authors, categories and tags (one table per kind).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = ("author", "category", "tag")
text = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    for kind in KINDS:
        op.create_table(
            f"{kind}_translation",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("locale", text(length=16), nullable=False),
            sa.Column("slug", text(length=200), nullable=False),
            sa.Column("name", text(length=200), nullable=False),
            sa.Column("description", sa.Text(), nullable=True),
            sa.Column("meta_title", text(length=300), nullable=True),
            sa.Column("meta_description", text(length=500), nullable=True),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("updated_by", text(length=200), nullable=True),
            sa.Column("entity_id", sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint(["entity_id"], [f"{kind}.id"], ondelete="CASCADE"),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("entity_id", "locale", name=f"uq_{kind}_translation_entity_locale"),
            sa.UniqueConstraint("locale", "slug", name=f"uq_{kind}_translation_locale_slug"),
        )


def downgrade() -> None:
    for kind in reversed(KINDS):
        op.drop_table(f"{kind}_translation")
