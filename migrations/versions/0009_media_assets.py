"""Media library: the media_asset table and the asset references of articles, authors and terms.

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column) of every reference to an asset.
REFERENCES = (
    ("article", "feature_image_asset_id"),
    ("author", "avatar_asset_id"),
    ("category", "image_asset_id"),
    ("tag", "image_asset_id"),
)


def _string(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    op.create_table(
        "media_asset",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("content_hash", _string(64), nullable=False),
        sa.Column("storage_key", _string(300), nullable=False),
        sa.Column("filename", _string(300), nullable=False),
        sa.Column("mime_type", _string(40), nullable=False),
        sa.Column("byte_size", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("alt_text", _string(300), nullable=True),
        sa.Column("caption", sa.Text(), nullable=True),
        sa.Column("credit", _string(300), nullable=True),
        sa.Column("focal_x", sa.Float(), nullable=False),
        sa.Column("focal_y", sa.Float(), nullable=False),
        sa.Column("dominant_color", _string(7), nullable=False),
        sa.Column("blur_placeholder", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", _string(200), nullable=True),
        sa.Column("updated_by", _string(200), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_media_asset_content_hash", "media_asset", ["content_hash"], unique=True)
    for table, column in REFERENCES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column(column, sa.Integer(), nullable=True))
            batch_op.create_index(f"ix_{table}_{column}", [column], unique=False)
            batch_op.create_foreign_key(
                f"fk_{table}_{column}_media_asset", "media_asset", [column], ["id"]
            )


def downgrade() -> None:
    for table, column in REFERENCES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f"fk_{table}_{column}_media_asset", type_="foreignkey")
            batch_op.drop_index(f"ix_{table}_{column}")
            batch_op.drop_column(column)
    op.drop_index("ix_media_asset_content_hash", table_name="media_asset")
    op.drop_table("media_asset")
