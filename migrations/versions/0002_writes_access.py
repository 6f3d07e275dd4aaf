"""Editorial writes and access control (issue 4): API tokens, created_by / updated_by.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Plain ADD/DROP COLUMN (SQLite >= 3.35 has both) rather than batch mode: a batch rebuild of
# `article` on SQLite would drop the full-text triggers created in 0001.
AUDITED = ('article', 'author', 'category', 'tag', 'redirect')


def upgrade() -> None:
    op.create_table('api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('prefix', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['author.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    op.create_index(op.f('ix_api_token_author_id'), 'api_token', ['author_id'], unique=False)
    op.create_index(op.f('ix_api_token_name'), 'api_token', ['name'], unique=False)
    for table in AUDITED:
        op.add_column(table, sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
        op.add_column(table, sa.Column('updated_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))


def downgrade() -> None:
    for table in AUDITED:
        op.drop_column(table, 'updated_by')
        op.drop_column(table, 'created_by')
    op.drop_index(op.f('ix_api_token_name'), table_name='api_token')
    op.drop_index(op.f('ix_api_token_author_id'), table_name='api_token')
    op.drop_table('api_token')
