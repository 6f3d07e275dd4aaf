"""Category and tag commands (editors): create, update (partial), delete.

Terms are always public, so a slug change always writes a 301 from the old listing path, a new
term claims its path (removing a stale redirect), and a deleted term's path answers 410.
Deleting a term unlinks it from its articles (their ``version`` goes up: their data changed).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.access import may_manage_terms
from resolvers.changes import ChangeSet
from resolvers.commands import (
    CommandEnv,
    EntityNotFound,
    Problems,
    Saved,
    ValidationFailed,
    deny_unless_allowed,
    unit_of_work,
)
from resolvers.content.richtext import check_plain
from resolvers.media.assets import check_asset_ref
from resolvers.models import ARTICLE_LINKS, article_t
from resolvers.revisions.record import ensure_baselines
from resolvers.seo import redirects
from resolvers.seo.commands import apply_seo, check_seo, drop_seo
from resolvers.validation import check_name_and_slug

IN = ("input",)
ASSET_PATH = ("input", "image_asset_id")


def check_term(
    problems: Problems, given: dict[str, Any], *, creating: bool
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    values: dict[str, Any] = {}
    check_name_and_slug(problems, given, values, creating=creating)
    if "description" in given:
        values["description"] = check_plain(
            problems, (*IN, "description"), given["description"], 5000
        )
    if "image_asset_id" in given:
        values["image_asset_id"] = given["image_asset_id"]
    seo = check_seo(problems, (*IN, "seo"), given["seo"]) if given.get("seo") else None
    return values, seo


async def slug_free(
    session: AsyncSession, problems: Problems, table: Any, kind: str, slug: str, exclude: int | None
) -> None:
    stmt = select(table.c.id).where(table.c.slug == slug)
    if exclude is not None:
        stmt = stmt.where(table.c.id != exclude)
    if await session.scalar(stmt) is not None:
        problems.add((*IN, "slug"), f"The slug {slug!r} is taken by another {kind}.", "SLUG_TAKEN")


async def _lock(session: AsyncSession, table: Any, kind: str, term_id: int) -> Any:
    row = (
        await session.execute(select(table).where(table.c.id == term_id).with_for_update())
    ).first()
    if row is None:
        raise EntityNotFound(kind, term_id)
    return row


def _slug_taken() -> ValidationFailed:
    return ValidationFailed.one((*IN, "slug"), "The slug was just taken.", "SLUG_TAKEN")


async def create_term(env: CommandEnv, kind: str, given: dict[str, Any]) -> Saved:
    deny_unless_allowed(may_manage_terms(env.viewer))
    table = ARTICLE_LINKS[kind].parent
    problems = Problems()
    values, seo = check_term(problems, given, creating=True)
    async with unit_of_work(env) as work:
        session = work.session
        if values.get("slug") is not None:  # every problem at once, the database's too
            await slug_free(session, problems, table, kind, values["slug"], None)
        await check_asset_ref(session, problems, ASSET_PATH, values.get("image_asset_id"))
        problems.raise_if_any()
        stamp = {"created_at": env.now, "updated_at": env.now}
        try:
            row = (
                await session.execute(
                    insert(table)
                    .values(**values, **stamp, created_by=env.actor, updated_by=env.actor)
                    .returning(*table.c)
                )
            ).one()
        except IntegrityError:
            raise _slug_taken() from None
        if seo:
            await apply_seo(session, kind, row.id, seo)
        path = redirects.entity_path(env.site, kind, row.slug)
        await redirects.claim_path(session, path, work.changes)
        work.changes.record(kind, row.id, "created", after=[path])
    return Saved(row, work.changes)


async def update_term(env: CommandEnv, kind: str, term_id: int, given: dict[str, Any]) -> Saved:
    deny_unless_allowed(may_manage_terms(env.viewer))
    table = ARTICLE_LINKS[kind].parent
    problems = Problems()
    values, seo = check_term(problems, given, creating=False)
    async with unit_of_work(env) as work:
        session = work.session
        row = await _lock(session, table, kind, term_id)
        if values.get("slug", row.slug) not in (row.slug, None):
            await slug_free(session, problems, table, kind, values["slug"], term_id)
        await check_asset_ref(session, problems, ASSET_PATH, values.get("image_asset_id"))
        problems.raise_if_any()
        try:
            await session.execute(
                update(table)
                .where(table.c.id == term_id)
                .values(**values, updated_at=env.now, updated_by=env.actor)
            )
        except IntegrityError:
            raise _slug_taken() from None
        if seo:
            await apply_seo(session, kind, term_id, seo)
        new = (await session.execute(select(table).where(table.c.id == term_id))).one()
        old_path = redirects.entity_path(env.site, kind, row.slug)
        new_path = redirects.entity_path(env.site, kind, new.slug)
        if old_path != new_path:
            await redirects.record_move(
                session, old_path, new_path, env.actor, env.now, work.changes
            )
        work.changes.record(kind, term_id, "updated", before=[old_path], after=[new_path])
    return Saved(new, work.changes)


async def touch_articles(
    env: CommandEnv, session: AsyncSession, kind: str, parent_id: int, changes: ChangeSet
) -> None:
    """The articles linked to ``parent_id`` change too: bump their version/updated_* and record
    them (with their paths) in the change set."""
    link, column = ARTICLE_LINKS[kind].table, ARTICLE_LINKS[kind].parent_id
    linked = select(link.c.article_id).where(column == parent_id)
    rows = (
        await session.execute(
            select(article_t.c.id, article_t.c.slug, article_t.c.locale).where(
                article_t.c.id.in_(linked)
            )
        )
    ).all()
    if not rows:
        return
    await ensure_baselines(session, "article", [r.id for r in rows], env.now)
    await session.execute(
        update(article_t)
        .where(article_t.c.id.in_([r.id for r in rows]))
        .values(version=article_t.c.version + 1, updated_at=env.now, updated_by=env.actor)
    )
    for r in rows:
        path = redirects.entity_path(env.site, "article", r.slug, r.locale)
        changes.record("article", r.id, "updated", before=[path], after=[path],
                       related=[(kind, parent_id)])  # fmt: skip


async def delete_term(env: CommandEnv, kind: str, term_id: int) -> Saved:
    deny_unless_allowed(may_manage_terms(env.viewer))
    links = ARTICLE_LINKS[kind]
    link, column, table = links.table, links.parent_id, links.parent
    async with unit_of_work(env) as work:
        session = work.session
        row = await _lock(session, table, kind, term_id)
        await touch_articles(env, session, kind, term_id, work.changes)
        await session.execute(delete(link).where(column == term_id))
        await drop_seo(session, kind, term_id)
        await session.execute(delete(table).where(table.c.id == term_id))
        path = redirects.entity_path(env.site, kind, row.slug)
        await redirects.record_gone(session, path, env.actor, env.now, work.changes)
        work.changes.record(kind, term_id, "deleted", before=[path])
    return Saved(row, work.changes)
