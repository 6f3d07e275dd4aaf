"""Announce bulk-inserted content as changes, so it reaches caches like any other write.

Seeding inserts rows in large batches, outside the write commands. Afterwards ``announce``
records each new row as a ``created`` change (with its path and, for articles, its authors,
categories and tags) in one unit of work: the writer's change hooks then record the outbox
events and purge the response cache, exactly as for a ``createArticle`` mutation.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select

from resolvers.commands import CommandEnv, unit_of_work
from resolvers.models import ARTICLE_LINKS, article_t, author_t, category_t, tag_t

TABLES = {"author": author_t, "category": category_t, "tag": tag_t, "article": article_t}


async def last_ids(env: CommandEnv) -> dict[str, int]:
    """The highest id of each content table: rows above it are new."""
    return {
        kind: int(await env.db.scalar(select(func.coalesce(func.max(t.c.id), 0))) or 0)
        for kind, t in TABLES.items()
    }


async def announce(env: CommandEnv, since: dict[str, int]) -> int:
    """Record every row above ``since`` as created; returns how many were announced."""
    count = 0
    async with unit_of_work(env) as work:
        session = work.session
        for kind in ("author", "category", "tag"):
            table = TABLES[kind]
            rows = await session.execute(
                select(table.c.id, table.c.slug).where(table.c.id > since[kind])
            )
            for row in rows:
                path = env.site.path(kind, row.slug)
                work.changes.record(kind, row.id, "created", after=[path])
                count += 1
        related: dict[int, set[tuple[str, int]]] = defaultdict(set)
        primary: dict[int, str] = {}  # article id -> slug of its first category
        for kind, link in ARTICLE_LINKS.items():
            links = await session.execute(
                select(link.table.c.article_id, link.parent_id, link.parent.c.slug)
                .join(link.parent, link.parent.c.id == link.parent_id)
                .where(link.table.c.article_id > since["article"])
                .order_by(link.table.c.article_id, link.table.c.position)
            )
            for article_id, parent_id, slug in links:
                related[article_id].add((kind, parent_id))
                if kind == "category":
                    primary.setdefault(article_id, slug)
        articles = await session.execute(
            select(article_t.c.id, article_t.c.slug, article_t.c.locale).where(
                article_t.c.id > since["article"]
            )
        )
        for article in articles:
            category = primary.get(article.id) if env.site.article_needs_category else None
            path = env.site.path("article", article.slug, article.locale, category)
            work.changes.record(
                "article", article.id, "created", after=[path], related=related[article.id]
            )
            count += 1
    return count
