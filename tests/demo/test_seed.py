"""Demo content: deterministic for a seed, realistic, with every status."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from resolvers.demo.seed import is_empty, seed_content
from resolvers.models import article_author_t, article_t, seo_meta_t


async def snapshot(db):
    rows = await db.all(
        select(article_t.c.slug, article_t.c.title, article_t.c.status, article_t.c.body).order_by(
            article_t.c.id
        )
    )
    return [tuple(r) for r in rows]


async def test_seed_is_deterministic_and_varied(db, tmp_path):
    assert await is_empty(db)
    result = await seed_content(db, authors=5, articles=120, seed=7)
    assert (result.authors, result.articles) == (5, 120)
    first = await snapshot(db)
    statuses = {s for _, _, s, _ in first}
    assert statuses == {"published", "draft", "archived"}
    scheduled = await db.scalar(
        select(func.count()).where(
            article_t.c.status == "published", article_t.c.published_at > datetime.now(UTC)
        )
    )
    assert scheduled > 0
    lengths = [len(body) for *_, body in first]
    assert 2500 <= sum(lengths) / len(lengths) <= 4000  # "multi-paragraph bodies of ~3 KB"
    assert min(lengths) > 1500
    multi = await db.scalar(
        select(func.count()).select_from(
            select(article_author_t.c.article_id)
            .group_by(article_author_t.c.article_id)
            .having(func.count() > 1)
            .subquery()
        )
    )
    assert multi > 0
    assert await db.scalar(select(func.count()).select_from(seo_meta_t)) > 0
    assert not await is_empty(db)


async def test_same_seed_same_content(tmp_path):
    from gateway.cli.main import run_migrations
    from resolvers.db import Database, make_engine

    snapshots = []
    for name in ("a", "b"):
        url = f"sqlite+aiosqlite:///{tmp_path / name}.db"
        run_migrations(url)
        database = Database(make_engine(url))
        await seed_content(database, authors=3, articles=40, seed=3)
        snapshots.append(await snapshot(database))
        await database.dispose()
    assert snapshots[0] == snapshots[1]
