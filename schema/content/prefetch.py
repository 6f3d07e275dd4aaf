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

if TYPE_CHECKING:
    from schema.content.article import Article
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
# Relation -> the kind the one-statement links loader files its rows under.
LINK_KINDS = {"authors": "author", "categories": "category", "tags": "tag"}
# `seo` only asks root queries to join the SEO overrides (and the fallback body) into their own
# statement (`root_extras`); nothing is prefetched for it here. Its fields (schema.seo.types) load what
# each needs through the dataloaders, which those rows primed.


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
    from schema.content.author import Author
    from schema.content.taxonomy import Category, Tag

    todo = {r for r in relations if any(r not in a.loaded for a in articles)}
    if not todo or not articles:
        return
    if "seo" in todo and len(articles) > 1:
        await _prefetch_seo(info, articles)
    todo.discard("seo")
    if not todo:
        return
    loaders = info.context.loaders
    ids = [a.database_id for a in articles]
    jobs: dict[str, Any] = {}
    linked = todo & set(LINK_KINDS)
    if len(linked) > 1:
        # Two or more of authors/categories/tags: one statement reads all three.
        jobs["links"] = loaders.links_by_article_id.load_many(ids)
    else:
        if "authors" in todo:
            jobs["authors"] = loaders.authors_by_article_id.load_many(ids)
        if "categories" in todo:
            jobs["categories"] = loaders.categories_by_article_id.load_many(ids)
        if "tags" in todo:
            jobs["tags"] = loaders.tags_by_article_id.load_many(ids)
    if "body" in todo:
        jobs["body"] = loaders.body_by_article_id.load_many(ids)
    results = dict(zip(jobs, await asyncio.gather(*jobs.values()), strict=True))
    links = results.pop("links", None)
    if links is not None:
        for relation in linked:
            results[relation] = [item[LINK_KINDS[relation]] for item in links]
        by_kind = {
            "author": loaders.authors_by_article_id,
            "category": loaders.categories_by_article_id,
            "tag": loaders.tags_by_article_id,
        }
        for article_id, item in zip(ids, links, strict=True):
            for kind, loader in by_kind.items():
                loader.prime(article_id, item[kind])  # later reads of one relation reuse it
    converters = {"authors": Author.from_row, "categories": Category.from_row, "tags": Tag.from_row}
    for name, convert in converters.items():
        if name in results:
            for article, rows in zip(articles, results[name], strict=True):
                article.loaded[name] = [convert(row, info) for row in rows]
    if "body" in results:
        for article, body in zip(articles, results["body"], strict=True):
            article.loaded["body"] = body or ""


async def _prefetch_seo(info: Info, articles: Sequence[Article]) -> None:
    """Compute each list item's title, description, canonical URL and robots ahead.

    Everything the rules read is loaded first, for all items at once (one batch per loader,
    most already primed by the root query); the per-item computation then only hits the
    loaders' caches, so it runs without suspending and without a task per field."""
    from resolvers.seo.pages import ArticleSeo
    from schema.seo.types import Seo

    ctx = info.context
    loaders = ctx.loaders
    ids = [a.database_id for a in articles]
    warm = [loaders.seo_meta_by_entity.load_many([("article", i) for i in ids])]
    if ctx.site.article_needs_category:
        warm.append(loaders.categories_by_article_id.load_many(ids))
    metas = (await asyncio.gather(*warm))[0]
    need_body = [
        a.database_id
        for a, meta in zip(articles, metas, strict=True)
        if not a.excerpt and not (meta is not None and meta.meta_description)
    ]
    if need_body:
        await loaders.body_by_article_id.load_many(need_body)
    for article in articles:
        page = ArticleSeo(ctx.site, loaders, article.row, article.public)
        article.loaded["seo"] = Seo(page=page, basics=await page.basics())
