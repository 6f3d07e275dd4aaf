"""Collation keys of translated names (lists in a locale sort by the translated name), and
search documents that index the names of an article's authors, categories and tags in the
article's locale.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from resolvers.search.index import index_translated

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = ("author", "category", "tag")


def upgrade() -> None:
    for kind in KINDS:
        with op.batch_alter_table(f"{kind}_translation", schema=None) as batch_op:
            batch_op.add_column(
                sa.Column(
                    "name_sort",
                    sqlmodel.sql.sqltypes.AutoString(length=600),
                    nullable=False,
                    server_default="",
                )
            )
    # The new keys, and the documents of articles whose linked names are translated.
    index_translated(op.get_bind())


def downgrade() -> None:
    for kind in reversed(KINDS):
        with op.batch_alter_table(f"{kind}_translation", schema=None) as batch_op:
            batch_op.drop_column("name_sort")
