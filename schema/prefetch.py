"""Load an article list's relations in bulk, before its fields resolve.

A connection resolver looks at which relation fields the client selected on its items and loads
each relation once for the whole page (through the request's dataloaders, so the cache and the
batching are shared with every other path). The relation fields then resolve synchronously from
what was loaded: no awaitable per item, which is where a naive GraphQL server spends its time.
A field whose data was not prefetched (e.g. an article from ``node(id:)``) loads it lazily
through the same function.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField

from resolvers.seo import build_seo
from resolvers.site import plain_text
from schema.common import Seo

if TYPE_CHECKING:
    from schema.article import Article
    from schema.context import Info

# GraphQL field on Article -> the relation that feeds it.
RELATIONS = {
    "author": "authors",
    "authors": "authors",
    "categories": "categories",
    "tags": "tags",
    "seo": "seo",
    "body": "body",
}


def _flatten(selections: Iterable[Any]) -> Iterable[SelectedField]:
    for selection in selections:
        if isinstance(selection, SelectedField):
            yield selection
        elif isinstance(selection, (FragmentSpread, InlineFragment)):
            yield from _flatten(selection.selections)


def field_relations(info: Info) -> set[str]:
    """Relations selected directly on the current field's object (e.g. `article { ... }`)."""
    wanted: set[str] = set()
    for field in _flatten(info.selected_fields):
        wanted.update(RELATIONS[f.name] for f in _flatten(field.selections) if f.name in RELATIONS)
    return wanted


def root_extras(relations: set[str]) -> frozenset[str]:
    """The relations a root article query reads in its own statement (see with_extras)."""
    return frozenset(relations & {"body", "seo"})


def item_relations(info: Info) -> set[str]:
    """Relations selected on a connection's items (`nodes { ... }` and `edges { node { ... } }`)."""
    wanted: set[str] = set()
    for connection in _flatten(info.selected_fields):
        for child in _flatten(connection.selections):
            items: Iterable[SelectedField] = ()
            if child.name == "nodes":
                items = _flatten(child.selections)
            elif child.name == "edges":
                for edge_field in _flatten(child.selections):
                    if edge_field.name == "node":
                        items = _flatten(edge_field.selections)
            wanted.update(RELATIONS[f.name] for f in items if f.name in RELATIONS)
    return wanted


async def prefetch_articles(info: Info, articles: Sequence[Article], relations: set[str]) -> None:
    """Fill ``article.loaded[relation]`` for every article; one batch per relation."""
    from schema.author import Author
    from schema.taxonomy import Category, Tag

    todo = {r for r in relations if any(r not in a.loaded for a in articles)}
    if not todo or not articles:
        return
    loaders = info.context.loaders
    ids = [a.database_id for a in articles]
    jobs: dict[str, Any] = {}
    if "authors" in todo:
        jobs["authors"] = loaders.authors_by_article_id.load_many(ids)
    if "categories" in todo:
        jobs["categories"] = loaders.categories_by_article_id.load_many(ids)
    if "tags" in todo:
        jobs["tags"] = loaders.tags_by_article_id.load_many(ids)
    if "seo" in todo:
        jobs["seo"] = loaders.seo_meta_by_entity.load_many([("article", i) for i in ids])
    if "body" in todo:
        jobs["body"] = loaders.body_by_article_id.load_many(ids)
    results = dict(zip(jobs, await asyncio.gather(*jobs.values()), strict=True))
    converters = {"authors": Author.from_row, "categories": Category.from_row, "tags": Tag.from_row}
    for name, convert in converters.items():
        if name in results:
            for article, rows in zip(articles, results[name], strict=True):
                article.loaded[name] = [convert(row, info) for row in rows]
    if "body" in results:
        for article, body in zip(articles, results["body"], strict=True):
            article.loaded["body"] = body or ""
    if "seo" in results:
        await _fill_seo(info, articles, results["seo"])


async def _fill_seo(info: Info, articles: Sequence[Article], metas: list[Any]) -> None:
    # The description falls back to the body's text only where there is neither an explicit
    # description nor an excerpt: only those bodies are read.
    need_body = [
        a
        for a, meta in zip(articles, metas, strict=True)
        if not a.excerpt
        and not (meta is not None and meta.meta_description)
        and "body" not in a.loaded
    ]
    if need_body:
        bodies = await info.context.loaders.body_by_article_id.load_many(
            [a.database_id for a in need_body]
        )
        for article, body in zip(need_body, bodies, strict=True):
            article.loaded["body"] = body or ""
    site = info.context.site
    for article, meta in zip(articles, metas, strict=True):
        fallback = article.excerpt or (plain_text(article.loaded.get("body") or "") or None)
        article.loaded["seo"] = Seo.from_data(
            build_seo(
                site,
                title=article.title,
                fallback_description=fallback,
                url=article.url,
                public=article.public,
                meta=meta,
            )
        )
