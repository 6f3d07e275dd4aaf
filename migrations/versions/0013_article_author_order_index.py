"""An index on an article's authors in their order: the primary author of every listed article
(the home page reads it per row, in a correlated subquery) and the authors of a batch of articles
come from an index seek instead of a sort per article.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_article_author_article_position"


def upgrade() -> None:
    op.create_index(INDEX, "article_author", ["article_id", "position", "author_id"])


def downgrade() -> None:
    op.drop_index(INDEX, table_name="article_author")
