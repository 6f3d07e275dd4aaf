"""The SEO basics of a list of articles, computed ahead (``prefetch_articles``).

Everything the rules read is loaded first for all items at once (one batch per loader, most
already primed by the root query: the overrides and the fallback body come with its rows); the
rules then run without an await per item or field (``PageSeo.basics_with``), so the items'
``seo { title description canonicalUrl robots }`` resolve synchronously.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from resolvers.content.articles import all_have, seo_meta_of
from resolvers.content.loaders import load_all_of
from resolvers.seo.pages import ArticleSeo
from resolvers.seo.paths import article_path_with
from schema.context import Info
from schema.seo.types import Seo


async def seo_of_articles(info: Info, articles: Sequence[Any]) -> list[Seo]:
    """``Seo`` with its basics for each article (an ``Article``: ``row``, ``public``)."""
    ctx = info.context
    loaders, site = ctx.loaders, ctx.site
    ids = [a.row.id for a in articles]
    jobs: dict[str, Any] = {}
    from_rows = all_have([a.row for a in articles], "seo_id")
    if not from_rows:
        jobs["meta"] = loaders.seo_meta_by_entity
    if site.article_needs_category:
        jobs["categories"] = loaders.categories_by_article_id
    loaded = await load_all_of(jobs, ids, {"meta": [("article", i) for i in ids]})
    categories = loaded.get("categories") or [None] * len(ids)
    pages = [ArticleSeo(site, loaders, a.row, a.public) for a in articles]
    # The overrides a root query joined to its rows (what it primed the loader with).
    found = [seo_meta_of(a.row) for a in articles] if from_rows else loaded["meta"]
    metas = [page.localize(meta) for page, meta in zip(pages, found, strict=True)]
    need_body = [p.row.id for p, m in zip(pages, metas, strict=True) if p.needs_fallback(m)]
    bodies: dict[int, str | None] = {}
    if need_body:
        found = await loaders.body_by_article_id.load_all(need_body)
        bodies = dict(zip(need_body, found, strict=True))
    out = []
    for page, meta, cats in zip(pages, metas, categories, strict=True):
        url = site.absolute(article_path_with(site, page.row, cats))
        out.append(Seo(page=page, basics=page.basics_with(meta, url, bodies.get(page.row.id))))
    return out


def seo_primed(info: Info, article_id: int) -> bool:
    """Whether the root query read the article's SEO overrides with it (``with_extras``): its
    basics then cost no statement, and its fields resolve without an await each."""
    meta = info.context.loaders.seo_meta_by_entity
    return meta.answered([("article", article_id)]) is not None
