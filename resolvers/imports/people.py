"""Importing authors, categories and tags: checked like the API's create/update commands, keyed
by source id, a taken slug de-duplicated (authors) or adopted (terms: "news" is "news")."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlalchemy import func, insert, select, update

from resolvers.commands import CommandEnv, Work
from resolvers.content.author_commands import check_author
from resolvers.content.taxonomy_commands import check_term
from resolvers.imports.items import SourceAuthor, SourceTerm, digest
from resolvers.imports.report import ImportReport
from resolvers.imports.shared import (
    ItemRef,
    Mapped,
    Pending,
    checked,
    free_slug,
    mapping_row,
    source_slug,
)
from resolvers.models import ARTICLE_LINKS, author_t
from resolvers.seo import redirects
from resolvers.seo.commands import apply_seo


def _drop_none(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


async def _mapped_author(
    work: Work, report: ImportReport, item: SourceAuthor, author_map: dict[str, str]
) -> int | None:
    """The existing author ``--author-map`` names for this one (by id, login or e-mail)."""
    wanted = next((author_map[k] for k in (item.source_id, *item.logins) if k in author_map), None)
    if wanted is None:
        return None
    found = await work.session.scalar(select(author_t.c.id).where(author_t.c.slug == wanted))
    if found is None:
        report.problem(
            "author", item.source_id, item.name, "NOT_FOUND",
            f"--author-map names {wanted!r}, which is no author here; importing the author.",
            "warning",
        )  # fmt: skip
    return None if found is None else int(found)


async def write_author(
    env: CommandEnv,
    work: Work,
    report: ImportReport,
    source: str,
    item: SourceAuthor,
    mapped: Mapped | None,
    author_map: dict[str, str],
    pending: Pending,
) -> int | None:
    """The author's id (created, updated, mapped onto an existing one, or unchanged)."""
    ref = ItemRef("author", item.source_id, item.name)
    session = work.session
    found = await _mapped_author(work, report, item, author_map)
    if found is not None:
        report.count("author", "mapped")
        return found
    content_hash = digest(asdict(item))
    if mapped is not None and mapped.content_hash == content_hash:
        report.count("author", "unchanged")
        return mapped.entity_id
    given = _drop_none(
        {
            "name": item.name,
            "slug": source_slug(item.slug, item.name),
            "bio": item.bio,
            "email": item.email,
            "website": item.website,
            "twitter": item.twitter,
            "avatar": {"url": item.avatar_url} if item.avatar_url else None,
            "seo": item.seo,
        }
    )
    result = checked(
        report, ref, given, lambda p, g: check_author(p, g, creating=True), {"name", "slug"}
    )
    if result is None:
        report.count("author", "failed")
        return None
    values, seo = result
    if mapped is None and values.get("email"):
        same = await session.scalar(
            select(author_t.c.id).where(func.lower(author_t.c.email) == values["email"].lower())
        )
        if same is not None:  # the same person already has a profile here
            mapped = Mapped(int(same), "")
    exclude = mapped.entity_id if mapped else None
    values["slug"] = await free_slug(session, author_t, values["slug"], exclude)
    author_id = await _upsert(env, work, author_t, "author", values, mapped, versioned=True)
    if seo:
        await apply_seo(session, "author", author_id, seo)
    path = redirects.entity_path(env.site, "author", values["slug"])
    pending.old_paths(report, ref, item.old_paths, path)
    pending.mapping(
        mapping_row(source, "author", item.source_id, ("author", author_id), content_hash, env.now),
        existed=mapped is not None and mapped.content_hash != "",
    )
    report.count("author", "updated" if mapped else "created")
    return author_id


async def write_term(
    env: CommandEnv,
    work: Work,
    report: ImportReport,
    source: str,
    item: SourceTerm,
    mapped: Mapped | None,
    pending: Pending,
) -> int | None:
    ref = ItemRef(item.kind, item.source_id, item.name)
    session = work.session
    table = ARTICLE_LINKS[item.kind].parent
    content_hash = digest(asdict(item))
    if mapped is not None and mapped.content_hash == content_hash:
        report.count(item.kind, "unchanged")
        return mapped.entity_id
    given = _drop_none(
        {
            "name": item.name,
            "slug": source_slug(item.slug, item.name),
            "description": item.description,
            "seo": item.seo,
        }
    )
    result = checked(
        report, ref, given, lambda p, g: check_term(p, g, creating=True), {"name", "slug"}
    )
    if result is None:
        report.count(item.kind, "failed")
        return None
    values, seo = result
    if mapped is None:
        same = await session.scalar(select(table.c.id).where(table.c.slug == values["slug"]))
        if same is not None:  # a term of that name exists: articles join it
            mapped = Mapped(int(same), "")
    exclude = mapped.entity_id if mapped else None
    values["slug"] = await free_slug(session, table, values["slug"], exclude)
    term_id = await _upsert(env, work, table, item.kind, values, mapped, versioned=False)
    if seo:
        await apply_seo(session, item.kind, term_id, seo)
    path = redirects.entity_path(env.site, item.kind, values["slug"])
    pending.old_paths(report, ref, item.old_paths, path)
    pending.mapping(
        mapping_row(source, item.kind, item.source_id, (item.kind, term_id), content_hash, env.now),
        existed=mapped is not None and mapped.content_hash != "",
    )
    report.count(item.kind, "updated" if mapped else "created")
    return term_id


async def _upsert(
    env: CommandEnv,
    work: Work,
    table: Any,
    kind: str,
    values: dict[str, Any],
    mapped: Mapped | None,
    *,
    versioned: bool,
) -> int:
    """Insert, or update the mapped row; a changed slug moves its page (301 from the old one),
    exactly as the update commands do."""
    session = work.session
    stamp = {"updated_at": env.now, "updated_by": env.actor}
    row = None
    if mapped is not None:  # the row may have been deleted here since the last run
        row = (await session.execute(select(table).where(table.c.id == mapped.entity_id))).first()
    if row is None:
        new_id = await session.scalar(
            insert(table)
            .values(**values, **stamp, created_at=env.now, created_by=env.actor)
            .returning(table.c.id)
        )
        path = redirects.entity_path(env.site, kind, values["slug"])
        await redirects.claim_path(session, path, work.changes)
        work.changes.record(kind, int(new_id), "created", after=[path])
        return int(new_id)
    extra = {"version": table.c.version + 1} if versioned else {}
    await session.execute(
        update(table).where(table.c.id == row.id).values(**values, **stamp, **extra)
    )
    old_path = redirects.entity_path(env.site, kind, row.slug)
    new_path = redirects.entity_path(env.site, kind, values["slug"])
    if old_path != new_path:
        await redirects.record_move(session, old_path, new_path, env.actor, env.now, work.changes)
    work.changes.record(kind, row.id, "updated", before=[old_path], after=[new_path])
    return int(row.id)
