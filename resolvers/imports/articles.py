"""Importing one article: the API's field checks (``check_fields``: sanitiser, lengths, URLs,
SEO), its links and SEO overrides, its new path claimed and its old paths redirected.

Unlike the API (create as draft, then publish), an import writes the source's status and dates
directly: the source already decided them. Public articles that move (a re-import with a new
slug) leave a 301 like any moved article.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, update

from resolvers.commands import CommandEnv, Work
from resolvers.content.article_commands import path_of, related, reload
from resolvers.content.article_input import check_fields
from resolvers.content.articles import ARTICLE_COLUMNS
from resolvers.content.links import link_rows, replace_links
from resolvers.content.richtext import reading_time_minutes
from resolvers.db import as_utc
from resolvers.imports.items import SourceArticle
from resolvers.imports.report import ImportReport
from resolvers.imports.shared import (
    ItemRef,
    Mapped,
    Pending,
    checked,
    mapping_row,
    source_slug,
)
from resolvers.models import article_t
from resolvers.seo import redirects
from resolvers.seo.commands import apply_seo
from resolvers.visibility import PUBLIC

a = article_t
ESSENTIAL = {"title", "slug", "body", "locale"}


def article_input(item: SourceArticle) -> dict[str, Any]:
    given: dict[str, Any] = {
        "title": item.title,
        "slug": source_slug(item.slug, item.title),
        "body": item.body,
        "body_format": item.body_format,
    }
    optional = {
        "locale": item.locale,
        "excerpt": item.excerpt,
        "translation_group": item.translation_group,
        "feature_image": item.feature_image,
        "seo": item.seo,
    }
    given.update({k: v for k, v in optional.items() if v is not None})
    return given


def resolve_links(
    report: ImportReport, ref: ItemRef, item: SourceArticle, ids: dict[str, dict[str, int]]
) -> dict[str, list[int]]:
    """Source ids -> our ids; an unknown reference is reported and left out."""
    links: dict[str, list[int]] = {}
    for kind, wanted in (("author", item.authors), ("category", item.categories),
                         ("tag", item.tags)):  # fmt: skip
        found: list[int] = []
        for source_id in wanted:
            target = ids[kind].get(source_id)
            if target is None:
                report.problem(
                    ref.kind, ref.source_id, ref.label, "NOT_FOUND",
                    f"{kind} {source_id!r} was not imported; left out.", "warning",
                )  # fmt: skip
            elif target not in found:
                found.append(target)
        links[kind] = found
    return links


def timing(status: str, item: SourceArticle, now: datetime) -> dict[str, Any]:
    """published_at/created_at/updated_at from the source; a draft has no publication time."""
    source_published, source_updated = as_utc(item.published_at), as_utc(item.updated_at)
    published = source_published if status != "draft" else None
    if status in ("published", "archived") and published is None:
        published = now
    return {
        "status": status,
        "published_at": published,
        "created_at": source_published or now,
        "updated_at": source_updated or source_published or now,
    }


@dataclass
class NewArticle:
    """An article checked and ready, inserted with the rest of its batch."""

    ref: ItemRef
    item: SourceArticle
    values: dict[str, Any]
    seo: dict[str, Any] | None
    links: dict[str, list[int]]
    content_hash: str
    remapped: bool  # the source id was imported before, but its article is gone


async def write_article(
    env: CommandEnv,
    work: Work,
    report: ImportReport,
    source: str,
    item: SourceArticle,
    status: str,
    mapped: Mapped | None,
    ids: dict[str, dict[str, int]],
    content_hash: str,
    pending: Pending,
) -> None:
    """Check the item; a new article waits for its batch's INSERT, an existing one is updated."""
    ref = ItemRef(item.kind, item.source_id, item.title)
    for note in item.notes:
        report.problem(ref.kind, ref.source_id, ref.label, "NOTE", note, "warning")
    result = checked(
        report, ref, article_input(item),
        lambda p, g: check_fields(env, p, g, creating=True), ESSENTIAL,
    )  # fmt: skip
    if result is None:
        report.count("article", "failed")
        return
    values, _, seo = result
    links = resolve_links(report, ref, item, ids)
    if not links["author"]:
        report.problem(ref.kind, ref.source_id, ref.label, "REQUIRED", "no author; not imported.")
        report.count("article", "failed")
        return
    old = pending.articles.get(mapped.entity_id) if mapped is not None else None
    slug = await pending.article_slug(
        work.session, values["slug"], values["locale"], old.id if old else None
    )
    if slug != values["slug"]:
        report.problem(
            ref.kind, ref.source_id, ref.label, "SLUG_TAKEN",
            f"the slug {values['slug']!r} is taken; imported as {slug!r}.", "warning",
        )  # fmt: skip
    values["slug"] = slug
    values.setdefault("reading_time_minutes", reading_time_minutes(values.get("body", "")))
    values.update(timing(status, item, env.now), updated_by=env.actor)
    if old is None:
        values["created_by"] = env.actor
        pending.new_articles.append(
            NewArticle(ref, item, values, seo, links, content_hash, mapped is not None)
        )
        return
    row = await _update(env, work, values, links, old)
    if seo:
        await apply_seo(work.session, "article", row.id, seo)
    path = await path_of(env, work.session, row)
    _after(env, report, source, pending, ref, item, row, path, content_hash, existed=True)
    report.count("article", "updated")


async def insert_new_articles(
    env: CommandEnv, work: Work, report: ImportReport, source: str, pending: Pending
) -> None:
    """The batch's new articles in one INSERT, then their
    links, SEO overrides, paths, redirects and mapping rows."""
    new, session = pending.new_articles, work.session
    if not new:
        return
    columns = [c for c in a.c if c.name != "id"]
    rows = [{c.name: n.values.get(c.name, _default(c)) for c in columns} for n in new]
    # (slug, locale) is unique, so rows are matched by it: asking for RETURNING in parameter
    # order would make SQLite insert them one statement at a time.
    inserted = (await session.execute(insert(a).returning(*ARTICLE_COLUMNS), rows)).all()
    by_key = {(row.slug, row.locale): row for row in inserted}
    for n in new:
        row = by_key[(n.values["slug"], n.values["locale"])]
        if env.site.article_needs_category:  # its path reads the primary category link
            for kind, ids in n.links.items():
                await replace_links(session, kind, row.id, ids)
        else:
            for kind, ids in n.links.items():
                pending.links.setdefault(kind, []).extend(link_rows(kind, row.id, ids))
        if n.seo:
            pending.seo.append({"entity_type": "article", "entity_id": row.id, **n.seo})
        path = await path_of(env, session, row)
        work.changes.record(
            "article", row.id, "created", after=[path],
            related=[(kind, i) for kind, ids in n.links.items() for i in ids],
        )  # fmt: skip
        _after(env, report, source, pending, n.ref, n.item, row, path, n.content_hash,
               existed=n.remapped)  # fmt: skip
        report.count("article", "created")


def _default(column: Any) -> Any:
    default = column.default
    return default.arg if default is not None and default.is_scalar else None


def _after(
    env: CommandEnv,
    report: ImportReport,
    source: str,
    pending: Pending,
    ref: ItemRef,
    item: SourceArticle,
    row: Any,
    path: str,
    content_hash: str,
    *,
    existed: bool,
) -> None:
    if row.status == PUBLIC.status:  # public, or scheduled to be
        pending.claims.append(path)
        pending.old_paths(report, ref, item.old_paths, path)
    pending.mapping(
        mapping_row(source, "article", item.source_id, ("article", row.id), content_hash, env.now),
        existed=existed,
    )


async def _update(
    env: CommandEnv, work: Work, values: dict[str, Any], links: dict[str, list[int]], old: Any
) -> Any:
    """As ``update_article`` does it: a moved public article leaves a 301 behind."""
    session = work.session
    before = await related(session, old.id)
    old_path = await path_of(env, session, old)  # before the links change
    values.pop("created_at")
    await session.execute(
        update(a).where(a.c.id == old.id).values(**values, version=a.c.version + 1)
    )
    for kind, ids in links.items():
        await replace_links(session, kind, old.id, ids)
    row = await reload(session, old.id)
    new_path = await path_of(env, session, row)
    if old_path != new_path and PUBLIC.was_public(old, env.now):
        await redirects.record_move(session, old_path, new_path, env.actor, env.now, work.changes)
    work.changes.record(
        "article", old.id, "updated", before=[old_path], after=[new_path],
        related=before | await related(session, old.id), snapshot=old,
    )  # fmt: skip
    return row
