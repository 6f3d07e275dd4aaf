"""Is the database's schema the one this code needs? Read from Alembic's version table and
compared with the newest migration shipped with the code.

Serving a database that was never migrated (or is behind the code) would answer every query
with an internal error; the server refuses to start instead, and /readyz says the same thing,
both naming the command that fixes it. A database ahead of the code (a newer release migrated
it during a rolling deploy) is accepted: migrations only add.
"""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from gateway.config.paths import project_dir
from resolvers.db import Database

MIGRATE = "run `content-gateway migrate`"


@lru_cache(maxsize=1)
def known_revisions() -> tuple[frozenset[str], frozenset[str]]:
    """(every revision the code knows, the head revisions)."""
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory(str(project_dir("migrations")))
    return frozenset(r.revision for r in scripts.walk_revisions()), frozenset(scripts.get_heads())


async def schema_problem(db: Database) -> str | None:
    """Why this database cannot be served (one line naming the fix), or None."""
    try:
        revisions = await db.all(text("SELECT version_num FROM alembic_version"))
    except DBAPIError as exc:
        if not _missing_table(exc):
            raise  # the database is unreachable or busy: not a schema question
        return f"the database has no schema yet: {MIGRATE}"
    current = {row[0] for row in revisions}
    if not current:
        return f"the database has no schema yet: {MIGRATE}"
    known, heads = known_revisions()
    if current <= known and not current & heads:
        behind = ", ".join(sorted(current))
        return f"the database schema is at revision {behind}, older than this code: {MIGRATE}"
    return None


def _missing_table(exc: DBAPIError) -> bool:
    """SQLite's "no such table", PostgreSQL's undefined_table (SQLSTATE 42P01)."""
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    return code == "42P01" or "no such table" in str(exc.orig).lower()
