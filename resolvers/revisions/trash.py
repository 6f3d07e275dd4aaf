"""The trash: deleting an article moves it here; ``restore_article`` brings it back.

A trashed article keeps its row, links, SEO overrides, reviews and revisions; ``deleted_at`` hides
it from every read path. Its slug is parked (``<slug>~<id>``) so the path can be reused while it
waits, and ``article_trash`` keeps the slug and the redirects its deletion turned into 410s. A
public path answers 410 Gone as before; restoring claims the path back and re-points those
redirects. The worker purges articles whose ``purge_after`` has passed (``purge_trash``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.access import SIGN_IN, may_delete_article, may_edit_article, may_publish
from resolvers.commands import (
    CommandEnv,
    PermissionDenied,
    Problems,
    Saved,
    deny_unless_allowed,
    unit_of_work,
)
from resolvers.content.article_commands import (
    check_version,
    guarded_update,
    lock_article,
    path_of,
    related,
    reload,
    slug_free,
)
from resolvers.content.links import LINK_KINDS, replace_links
from resolvers.db import Database
from resolvers.models import article_t, redirect_t, seo_meta_t
from resolvers.revisions.models import article_review_t, article_trash_t, revision_t
from resolvers.seo import redirects
from resolvers.visibility import PUBLIC

a = article_t
t = article_trash_t
rd = redirect_t
MAX_SLUG = 200


def parked_slug(slug: str, article_id: int) -> str:
    suffix = f"~{article_id}"
    return slug[: MAX_SLUG - len(suffix)] + suffix


async def trash_article(env: CommandEnv, article_id: int, expected_version: int | None) -> Saved:
    viewer = env.viewer
    if viewer.is_anonymous:
        raise PermissionDenied(SIGN_IN)
    async with unit_of_work(env) as work:
        session = work.session
        row, author_ids = await lock_article(session, article_id)
        deny_unless_allowed(may_delete_article(viewer, row.status, author_ids))
        check_version(row, expected_version)
        links = await related(session, article_id)
        path = await path_of(env, session, row)
        inbound = (
            await session.execute(
                select(rd.c.from_path, rd.c.to_path, rd.c.status_code).where(rd.c.to_path == path)
            )
        ).all()
        if PUBLIC.was_public(row, env.now):
            await redirects.record_gone(session, path, env.actor, env.now, work.changes)
        await guarded_update(
            env, session, row, {"deleted_at": env.now, "slug": parked_slug(row.slug, row.id)}
        )
        await session.execute(
            insert(t).values(
                article_id=article_id,
                slug=row.slug,
                deleted_by=env.actor,
                purge_after=env.now + timedelta(days=env.site.trash_days),
                redirects=[list(r) for r in inbound],
            )
        )
        work.changes.record(
            "article", article_id, "deleted", before=[path], related=links, snapshot=row
        )
    return Saved(row, work.changes)


async def restore_article(env: CommandEnv, article_id: int, expected_version: int | None) -> Saved:
    """Out of the trash, with its slug, path and the redirects that pointed at it."""
    viewer = env.viewer
    if viewer.is_anonymous:
        raise PermissionDenied(SIGN_IN)
    async with unit_of_work(env) as work:
        session = work.session
        row, author_ids = await lock_article(session, article_id, trashed=True)
        deny_unless_allowed(may_edit_article(viewer, row.status, author_ids))
        if row.status != "draft":
            deny_unless_allowed(may_publish(viewer))
        check_version(row, expected_version)
        kept = (await session.execute(select(t).where(t.c.article_id == article_id))).one()
        problems = Problems()
        await slug_free(session, problems, kept.slug, row.locale, article_id)
        problems.raise_if_any()
        await guarded_update(env, session, row, {"deleted_at": None, "slug": kept.slug})
        await session.execute(delete(t).where(t.c.article_id == article_id))
        new = await reload(session, article_id)
        path = await path_of(env, session, new)
        if PUBLIC.was_public(new, env.now):
            await redirects.claim_path(session, path, work.changes)
            await _reinstate(session, path, kept.redirects, env.actor, work.changes)
        work.changes.record(
            "article", article_id, "restored", before=[path], after=[path],
            related=await related(session, article_id), snapshot=row,
        )  # fmt: skip
    return Saved(new, work.changes)


async def _reinstate(
    session: AsyncSession, path: str, kept: list[Any], actor: str | None, changes: Any
) -> None:
    """Redirects the deletion turned into 410s point at the article again (unless an editor
    has changed them since)."""
    for from_path, _, status in kept:
        gone = (
            await session.execute(
                select(rd.c.id).where(
                    rd.c.from_path == from_path, rd.c.to_path.is_(None), rd.c.status_code == 410
                )
            )
        ).first()
        if gone is None:
            continue
        await session.execute(
            update(rd)
            .where(rd.c.id == gone.id)
            .values(to_path=path, status_code=status, updated_by=actor)
        )
        changes.record("redirect", gone.id, "updated", before=[from_path], after=[from_path])


async def purge_trash(db: Database, now: datetime, limit: int = 100) -> int:
    """Delete articles whose time in the trash is over, with their links, SEO overrides and
    revisions; their 410s stay. Returns how many were purged."""
    async with db.sessions() as session, session.begin():
        due = list(
            (
                await session.scalars(
                    select(t.c.article_id).where(t.c.purge_after <= now).limit(limit)
                )
            ).all()
        )
        for article_id in due:
            for kind in LINK_KINDS:
                await replace_links(session, kind, article_id, [])
            await session.execute(
                delete(seo_meta_t).where(
                    seo_meta_t.c.entity_type == "article", seo_meta_t.c.entity_id == article_id
                )
            )
            await session.execute(
                delete(revision_t).where(
                    revision_t.c.entity_type == "article", revision_t.c.entity_id == article_id
                )
            )
            await session.execute(
                delete(article_review_t).where(article_review_t.c.article_id == article_id)
            )
            await session.execute(delete(t).where(t.c.article_id == article_id))
            await session.execute(delete(a).where(a.c.id == article_id))
    return len(due)
