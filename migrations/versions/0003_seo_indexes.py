"""SEO (issue 3): index translation groups with status (hreflang), and redirect targets (chains).

Revision ID: 0003
Revises: 0005
Create Date: 2026-11-27
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The composite index replaces the single-column one: it also serves "public members of a
    # group", which SQLite's planner otherwise answers from the (status, published_at) index.
    op.drop_index("ix_article_translation_group", table_name="article")
    op.create_index(
        "ix_article_translation_group_status",
        "article",
        ["translation_group", "status", "published_at"],
        unique=False,
    )
    op.create_index("ix_redirect_to_path", "redirect", ["to_path"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_redirect_to_path", table_name="redirect")
    op.drop_index("ix_article_translation_group_status", table_name="article")
    op.create_index(
        "ix_article_translation_group", "article", ["translation_group"], unique=False
    )
