"""What Alembic's autogenerate compares: every table of the models, not the raw-SQL search
structures the migrations create beside them."""

from __future__ import annotations

from typing import Any

# Models outside resolvers.models register their tables on import: autogenerate sees them.
from resolvers.content.locales import translation_models  # noqa: F401  (imported for its tables)

# Full-text search structures live outside the SQLModel metadata on purpose (raw SQL in the
# migrations: an FTS5 table on SQLite, a GIN expression index on PostgreSQL); autogenerate
# must not compare them.
SEARCH_OBJECTS = {
    "article_fts",
    "ix_article_search",
    "search_fts",
    "ix_search_document_vector",
    "vector",
}


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    return not (name in SEARCH_OBJECTS or (name or "").startswith(("article_fts", "search_fts")))
