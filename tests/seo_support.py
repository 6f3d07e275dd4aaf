"""Helpers for the SEO tests: redirect rows, an editor's loaders, bulk articles."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, update

from resolvers.access import Viewer
from resolvers.db import Database
from resolvers.models import article_t, redirect_t, seo_meta_t
from resolvers.site import Site
from schema.loaders import RequestLoaders
from tests.support import ago

EDITOR = Viewer(role="editor", name="test editor")
SITE = Site(url="https://news.example.com", name="Example News")


async def add_redirect(db: Database, from_path: str, to_path: str | None, status: int = 301) -> int:
    async with db.engine.begin() as conn:
        result = await conn.execute(
            insert(redirect_t).returning(redirect_t.c.id),
            [
                {
                    "from_path": from_path,
                    "to_path": to_path,
                    "status_code": status,
                    "created_at": datetime.now(UTC),
                }
            ],
        )
        return int(result.scalar_one())


async def set_article(db: Database, article_id: int, **values: Any) -> None:
    async with db.engine.begin() as conn:
        await conn.execute(update(article_t).where(article_t.c.id == article_id).values(**values))


async def set_seo(db: Database, entity_type: str, entity_id: int, **values: Any) -> None:
    async with db.engine.begin() as conn:
        t = seo_meta_t
        await conn.execute(
            update(t)
            .where(t.c.entity_type == entity_type, t.c.entity_id == entity_id)
            .values(**values)
        )


def editor_loaders(db: Database) -> RequestLoaders:
    """Loaders of a request by an editor, for tests of the resolvers layer itself."""
    return RequestLoaders(db, EDITOR, datetime.now(UTC))


async def bulk_articles(db: Database, count: int, *, prefix: str = "bulk", start: int = 0) -> None:
    """Insert ``count`` published articles in large batches (no links)."""
    published = ago(days=1)
    rows = [
        {
            "slug": f"{prefix}-{i}",
            "locale": "en",
            "title": f"Bulk article {i}",
            "excerpt": None,
            "body": "",
            "status": "published",
            "published_at": published,
            "created_at": published,
            "updated_at": published,
            "reading_time_minutes": 1,
            "version": 1,
        }
        for i in range(start, start + count)
    ]
    async with db.engine.begin() as conn:
        for offset in range(0, len(rows), 5000):
            await conn.execute(insert(article_t), rows[offset : offset + 5000])


# Every SEO field at once, including the typed JSON-LD tree.
SEO = """
  title description canonicalUrl robots noindex nofollow
  openGraph { title description type url siteName locale image { url alt width height }
              publishedTime modifiedTime authors section tags }
  twitter { card site creator title description image { url alt } }
  breadcrumbs { name url }
  alternates { hreflang url }
  feeds { type title url }
  jsonLdScript
  jsonLd {
    __typename
    ... on JsonLdArticle { type headline description url mainEntityOfPage datePublished
      dateModified inLanguage articleSection keywords
      author { type name url sameAs } images { url width height caption }
      publisher { type name url logo { url } } }
    ... on JsonLdPerson { type name url image { url } description sameAs }
    ... on JsonLdBreadcrumbList { type itemListElement { position name item } }
    ... on JsonLdWebSite { type name url description inLanguage publisher { name } }
    ... on JsonLdOrganization { type name url }
    ... on JsonLdWebPage { type name url description }
  }
"""
