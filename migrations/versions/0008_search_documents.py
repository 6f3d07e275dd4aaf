"""Search documents and title collation keys: analysed text per article (FTS5 on SQLite, a stored tsvector with a GIN
index on PostgreSQL), replacing the index over raw title/excerpt/body markup; built here for
existing articles.

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from resolvers.search.index import index_all
from resolvers.search.render import FTS_COLUMNS

revision: str = '0008'
down_revision: str | None = '0014c'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The analysed tokens are alphanumeric and already folded: FTS5's ascii tokenizer never splits
# them further. ``detail=full`` keeps positions for phrases.
SQLITE_FTS = (
    f"CREATE VIRTUAL TABLE search_fts USING fts5({', '.join(FTS_COLUMNS)}, tokenize='ascii')"
)
POSTGRES_VECTOR = [
    "ALTER TABLE search_document ADD COLUMN vector tsvector NOT NULL DEFAULT ''::tsvector",
    "ALTER TABLE search_document ALTER COLUMN vector DROP DEFAULT",
    # Vectors stay in the row (compressed), not in TOAST: the planner costs a scan by its pages
    # and does not know that matching a TOASTed vector means fetching it, so with vectors out
    # of line it picked sequential scans over the GIN index (100x slower for rare words).
    "ALTER TABLE search_document ALTER COLUMN vector SET STORAGE MAIN",
    "ALTER TABLE search_document SET (toast_tuple_target = 8160)",
    # No pending list: every search would scan it, and the planner overprices the index.
    "CREATE INDEX ix_search_document_vector ON search_document USING gin (vector) "
    "WITH (fastupdate = off)",
]
OLD_SQLITE = ["article_fts_ai", "article_fts_ad", "article_fts_au"]


def upgrade() -> None:
    op.create_table('search_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('locale', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('lang', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('unpublish_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('recency', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['id'], ['article.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('search_document', schema=None) as batch_op:
        batch_op.create_index('ix_search_document_status_published_at', ['status', 'published_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_search_document_locale'), ['locale'], unique=False)
    op.create_table('search_language',
    sa.Column('lang', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.PrimaryKeyConstraint('lang')
    )
    with op.batch_alter_table('article', schema=None) as batch_op:
        batch_op.add_column(sa.Column('title_sort', sqlmodel.sql.sqltypes.AutoString(length=600), nullable=False, server_default=''))
        batch_op.create_index('ix_article_status_title_sort_id', ['status', 'title_sort', 'id'], unique=False)
    for name in ('author', 'category', 'tag'):
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.add_column(sa.Column('name_sort', sqlmodel.sql.sqltypes.AutoString(length=600), nullable=False, server_default=''))
            batch_op.create_index(batch_op.f(f'ix_{name}_name_sort'), ['name_sort'], unique=False)
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for name in OLD_SQLITE:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS article_fts")
        op.execute(SQLITE_FTS)
    else:
        op.execute("DROP INDEX IF EXISTS ix_article_search")
        for statement in POSTGRES_VECTOR:
            op.execute(statement)
    index_all(bind, translated=False)  # translation tables: 0010, their sort keys: 0012


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS search_fts")
        op.execute(
            "CREATE VIRTUAL TABLE article_fts USING fts5(title, excerpt, body, content='article', "
            "content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
        )
        op.execute(
            "CREATE TRIGGER article_fts_ai AFTER INSERT ON article BEGIN "
            "INSERT INTO article_fts(rowid, title, excerpt, body) "
            "VALUES (new.id, new.title, new.excerpt, new.body); END"
        )
        op.execute(
            "CREATE TRIGGER article_fts_ad AFTER DELETE ON article BEGIN "
            "INSERT INTO article_fts(article_fts, rowid, title, excerpt, body) "
            "VALUES ('delete', old.id, old.title, old.excerpt, old.body); END"
        )
        op.execute(
            "CREATE TRIGGER article_fts_au AFTER UPDATE OF title, excerpt, body ON article BEGIN "
            "INSERT INTO article_fts(article_fts, rowid, title, excerpt, body) "
            "VALUES ('delete', old.id, old.title, old.excerpt, old.body); "
            "INSERT INTO article_fts(rowid, title, excerpt, body) "
            "VALUES (new.id, new.title, new.excerpt, new.body); END"
        )
        op.execute("INSERT INTO article_fts(article_fts) VALUES ('rebuild')")
    else:
        op.execute(
            "CREATE INDEX ix_article_search ON article USING gin (to_tsvector('simple'::regconfig, "
            "title || ' ' || coalesce(excerpt, '') || ' ' || body))"
        )
    op.drop_table('search_language')
    for name in ('author', 'category', 'tag'):
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{name}_name_sort'))
            batch_op.drop_column('name_sort')
    with op.batch_alter_table('article', schema=None) as batch_op:
        batch_op.drop_index('ix_article_status_title_sort_id')
        batch_op.drop_column('title_sort')
    with op.batch_alter_table('search_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_document_locale'))
        batch_op.drop_index('ix_search_document_status_published_at')
    op.drop_table('search_document')
