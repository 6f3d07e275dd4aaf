"""FTS5 prefix indexes for prefix search on SQLite: `search_fts` rebuilt with `prefix='2 3'`.

Without them FTS5 answers a prefix (`ma*`) by reading and merging, in full, the posting list of
every indexed word that starts with it before it can return the newest match: 24 ms of CPU for
`da*` and 178 ms for `ma*` at 100,000 articles, whatever the candidate window. With them a
two- or three-letter prefix is one posting list, walked newest first like a word. The table is
rebuilt from its own stored columns (FTS5 cannot add prefix indexes in place), so an existing
database keeps every document; downgrade rebuilds it without them. PostgreSQL is unchanged
(its GIN index answers `:*` prefixes).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The columns as 0008 created them (resolvers.search.render.FTS_COLUMNS at that revision).
COLUMNS = "title, excerpt, meta, body, words, lang"


def _rebuild(options: str) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(f"CREATE VIRTUAL TABLE search_fts_rebuilt USING fts5({COLUMNS}, {options})")
    op.execute(
        f"INSERT INTO search_fts_rebuilt(rowid, {COLUMNS}) SELECT rowid, {COLUMNS} FROM search_fts"
    )
    op.execute("DROP TABLE search_fts")
    op.execute("ALTER TABLE search_fts_rebuilt RENAME TO search_fts")
    # One segment per level instead of the many a bulk insert leaves: fewer seeks per query.
    op.execute("INSERT INTO search_fts(search_fts) VALUES ('optimize')")


def upgrade() -> None:
    _rebuild("tokenize='ascii', prefix='2 3'")


def downgrade() -> None:
    _rebuild("tokenize='ascii'")
