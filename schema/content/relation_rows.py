"""The rows of an article list's relations, loaded for the whole list at once (what
``schema.content.nodes.prefetch_articles`` makes nodes of): authors, categories and tags in
each article's locale, bodies with their library images, and the primary authors a root query
read with its rows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from resolvers.content.articles import all_have, primary_author_of
from resolvers.content.loaders import load_all_of
from resolvers.media.html import expand_bodies
from schema.content.locales import localized_lists
from schema.content.prefetch import LINK_KINDS, Relation
from schema.content.slim import slim_document
from schema.context import Info

# The loader (``RequestLoaders`` attribute) of each of authors/categories/tags: what reads one
# of them alone, and what a links row primes for later reads of one of them.
RELATION_LOADERS = {
    "authors": "authors_by_article_id",
    "categories": "categories_by_article_id",
    "tags": "tags_by_article_id",
}


async def relation_rows(
    info: Info, ids: list[int], locales: list[str], todo: set[Relation], *, root: bool
) -> dict[str, list[Any]]:
    """``{relation: one value per article}`` for the relations in ``todo``: rows of authors,
    categories and tags (localized), bodies (with library images completed)."""
    loaders = info.context.loaders
    jobs: dict[str, Any] = {}
    linked = todo & set(LINK_KINDS)
    if len(linked) > 1:
        # Two or more of authors/categories/tags: one statement reads all three.
        slim = slim_document(info)
        jobs["links"] = loaders.slim_links_by_article_id if slim else loaders.links_by_article_id
    else:
        for relation, name in RELATION_LOADERS.items():
            if relation in todo:
                jobs[relation] = getattr(loaders, name)
    if "body" in todo:
        jobs["body"] = loaders.body_by_article_id
    results = await load_all_of(jobs, ids, alone=root)
    links = results.pop("links", None)
    if links is not None:
        for relation in linked:
            results[relation] = [item[LINK_KINDS[relation]] for item in links]
        for relation, name in RELATION_LOADERS.items():  # later reads of one relation
            kind = LINK_KINDS[relation]
            loaders.prime(name, [(i, item[kind]) for i, item in zip(ids, links, strict=True)])
    for name in [r for r in LINK_KINDS if r in results]:
        results[name] = await localized_lists(info, LINK_KINDS[name], locales, results[name])
    if "body" in results:  # library images completed, one asset load for all bodies
        bodies = [body or "" for body in results["body"]]
        results["body"] = await expand_bodies(
            bodies,
            lambda ids: loaders.media_asset_by_id.load_many(ids),  # the loader when needed
            info.context.media_urls,
        )
    return results


async def primary_authors(info: Info, rows: Sequence[Any], locales: list[str]) -> list[Any] | None:
    """The primary author row of each article row, in the article's locale, when the root
    query read them with its rows (``with_extras``); ``None`` otherwise (or when an article
    has no author), for the caller to read them with the rest of the authors."""
    if not all_have(rows, "author_id"):
        return None
    primaries = [primary_author_of(row) for row in rows]
    if any(p is None for p in primaries):
        return None
    info.context.tags.entities("author", primaries)  # as the authors loader records them
    lists = await localized_lists(info, "author", locales, [[p] for p in primaries])
    return [found[0] for found in lists]
