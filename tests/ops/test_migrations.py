"""Migrations upgrade an empty database to head, and the models have no pending changes."""

from __future__ import annotations

import warnings
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from gateway.cli.main import run_migrations
from resolvers.db import make_engine
from resolvers.migration_objects import include_object
from resolvers.models import metadata


def _diff(connection):
    context = MigrationContext.configure(
        connection,
        opts={"include_object": include_object, "compare_type": True},
    )
    with warnings.catch_warnings():
        # PostgreSQL reflection skips the expression-based search index with a warning.
        warnings.filterwarnings("ignore", message=".*expression-based index.*")
        return compare_metadata(context, metadata)


async def test_upgrade_from_empty_to_head_matches_models(isolated_database_url):
    # isolated_database_url is already migrated from an empty database by the template;
    # upgrading again must be a no-op, and the result must match the SQLModel tables.
    run_migrations(isolated_database_url)
    engine = make_engine(isolated_database_url)
    try:
        async with engine.connect() as conn:
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
            assert {"article", "author", "article_author", "seo_meta", "redirect"} <= tables
            assert await conn.run_sync(_diff) == []
    finally:
        await engine.dispose()


async def test_fresh_sqlite_file_migrates(tmp_path: Path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    run_migrations(url)
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            version = (
                await conn.exec_driver_sql("SELECT version_num FROM alembic_version")
            ).scalar()
            assert version is not None
            fts = await conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE name = 'search_fts'"
            )
            assert fts.scalar() == "search_fts"
    finally:
        await engine.dispose()
