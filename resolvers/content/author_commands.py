"""Author commands: create (editors), update (editors, or the author themself), delete (editors).

Authors carry ``version`` like articles (``expectedVersion`` on update). Deleting an author who
still writes articles is refused unless ``reassign_to`` names who takes their bylines over; the
author's API tokens are revoked and their page answers 410.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.access import SIGN_IN, may_edit_author
from resolvers.commands import (
    CommandEnv,
    EntityNotFound,
    PermissionDenied,
    Problems,
    Saved,
    ValidationFailed,
    VersionConflict,
    deny_unless_allowed,
    unit_of_work,
)
from resolvers.content.richtext import check_rich_text
from resolvers.content.taxonomy_commands import touch_articles
from resolvers.db import now_utc
from resolvers.media.assets import check_asset_ref
from resolvers.models import api_token_t, article_author_t, author_t
from resolvers.revisions.record import ensure_baselines
from resolvers.seo import redirects
from resolvers.seo.commands import apply_seo, check_seo, drop_seo
from resolvers.validation import (
    check_email,
    check_handle,
    check_name_and_slug,
    check_range,
    check_text,
    check_url,
)

t = author_t
IN = ("input",)
ASSET_PATH = ("input", "avatar", "asset_id")


def check_author(
    problems: Problems, given: dict[str, Any], *, creating: bool
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    values: dict[str, Any] = {}
    check_name_and_slug(problems, given, values, creating=creating)
    if "bio" in given:
        values["bio"] = check_rich_text(
            problems, (*IN, "bio"), given["bio"], given.get("bio_format", "html"), 5000
        )
    if "email" in given:
        values["email"] = check_email(problems, (*IN, "email"), given["email"])
    if "website" in given:
        values["website"] = check_url(problems, (*IN, "website"), given["website"])
    if "twitter" in given:
        values["twitter"] = check_handle(problems, (*IN, "twitter"), given["twitter"])
    if "avatar" in given:
        image = given["avatar"] or {}
        path = (*IN, "avatar")
        values["avatar_url"] = check_url(problems, (*path, "url"), image.get("url"))
        values["avatar_asset_id"] = image.get("asset_id")
        if image and values["avatar_url"] is None and values["avatar_asset_id"] is None:
            problems.add((*path, "url"), "An image needs a URL or an asset.", "REQUIRED")
        values["avatar_alt"] = check_text(
            problems, (*path, "alt"), image.get("alt"), max_length=300
        )
        values["avatar_width"] = check_range(
            problems, (*path, "width"), image.get("width"), 1, 20000
        )
        values["avatar_height"] = check_range(
            problems, (*path, "height"), image.get("height"), 1, 20000
        )
    seo = check_seo(problems, (*IN, "seo"), given["seo"]) if given.get("seo") else None
    return values, seo


async def slug_free(
    session: AsyncSession, problems: Problems, slug: str, exclude: int | None
) -> None:
    stmt = select(t.c.id).where(t.c.slug == slug)
    if exclude is not None:
        stmt = stmt.where(t.c.id != exclude)
    if await session.scalar(stmt) is not None:
        problems.add((*IN, "slug"), f"The slug {slug!r} is taken by another author.", "SLUG_TAKEN")


async def lock_author(session: AsyncSession, author_id: int) -> Any:
    row = (await session.execute(select(t).where(t.c.id == author_id).with_for_update())).first()
    if row is None:
        raise EntityNotFound("author", author_id)
    await ensure_baselines(session, "author", [author_id], now_utc())
    return row


def _check_version(row: Any, expected: int | None) -> None:
    if expected is not None and row.version != expected:
        raise VersionConflict("author", expected, row.version)


async def create_author(env: CommandEnv, given: dict[str, Any]) -> Saved:
    deny_unless_allowed(may_edit_author(env.viewer, None))
    problems = Problems()
    values, seo = check_author(problems, given, creating=True)
    async with unit_of_work(env) as work:
        session = work.session
        if values.get("slug") is not None:  # every problem at once, the database's too
            await slug_free(session, problems, values["slug"], None)
        await check_asset_ref(session, problems, ASSET_PATH, values.get("avatar_asset_id"))
        problems.raise_if_any()
        stamp = {"created_at": env.now, "updated_at": env.now}
        try:
            row = (
                await session.execute(
                    insert(t)
                    .values(**values, **stamp, created_by=env.actor, updated_by=env.actor)
                    .returning(*t.c)
                )
            ).one()
        except IntegrityError:
            raise ValidationFailed.one(
                (*IN, "slug"), "The slug was just taken.", "SLUG_TAKEN"
            ) from None
        if seo:
            await apply_seo(session, "author", row.id, seo)
        path = redirects.entity_path(env.site, "author", row.slug)
        await redirects.claim_path(session, path, work.changes)
        work.changes.record("author", row.id, "created", after=[path])
    return Saved(row, work.changes, {"warnings": problems.warnings})


async def update_author(
    env: CommandEnv, author_id: int, expected_version: int, given: dict[str, Any]
) -> Saved:
    deny_unless_allowed(may_edit_author(env.viewer, author_id))
    problems = Problems()
    values, seo = check_author(problems, given, creating=False)
    async with unit_of_work(env) as work:
        session = work.session
        row = await lock_author(session, author_id)
        if values.get("slug", row.slug) not in (row.slug, None):
            await slug_free(session, problems, values["slug"], author_id)
        await check_asset_ref(session, problems, ASSET_PATH, values.get("avatar_asset_id"))
        problems.raise_if_any()
        _check_version(row, expected_version)
        try:
            result = await session.execute(
                update(t)
                .where(t.c.id == author_id, t.c.version == row.version)
                .values(**values, version=row.version + 1, updated_at=env.now, updated_by=env.actor)
            )
        except IntegrityError:
            raise ValidationFailed.one(
                (*IN, "slug"), "The slug was just taken.", "SLUG_TAKEN"
            ) from None
        if result.rowcount == 0:  # type: ignore[attr-defined]  # a concurrent writer won
            current = await session.scalar(select(t.c.version).where(t.c.id == author_id))
            raise VersionConflict("author", row.version, int(current or 0))
        if seo:
            await apply_seo(session, "author", author_id, seo)
        new = (await session.execute(select(t).where(t.c.id == author_id))).one()
        old_path = redirects.entity_path(env.site, "author", row.slug)
        new_path = redirects.entity_path(env.site, "author", new.slug)
        if old_path != new_path:
            await redirects.record_move(
                session, old_path, new_path, env.actor, env.now, work.changes
            )
        work.changes.record("author", author_id, "updated", before=[old_path], after=[new_path])
    return Saved(new, work.changes, {"warnings": problems.warnings})


async def reassign_bylines(session: AsyncSession, from_id: int, to_id: int) -> None:
    """Articles of ``from_id`` get ``to_id`` in the same byline position (or just lose
    ``from_id`` where ``to_id`` is already an author)."""
    link = article_author_t
    both = select(link.c.article_id).where(link.c.author_id == to_id)
    await session.execute(
        delete(link).where(link.c.author_id == from_id, link.c.article_id.in_(both))
    )
    await session.execute(update(link).where(link.c.author_id == from_id).values(author_id=to_id))


async def delete_author(
    env: CommandEnv, author_id: int, expected_version: int | None, reassign_to: int | None
) -> Saved:
    if env.viewer.is_anonymous:
        raise PermissionDenied(SIGN_IN)
    deny_unless_allowed(may_edit_author(env.viewer, None))
    path_in = (*IN, "reassign_articles_to")
    async with unit_of_work(env) as work:
        session = work.session
        row = await lock_author(session, author_id)
        _check_version(row, expected_version)
        count = await session.scalar(
            select(article_author_t.c.article_id)
            .where(article_author_t.c.author_id == author_id)
            .limit(1)
        )
        if count is not None:
            if reassign_to is None:
                raise ValidationFailed.one(
                    path_in,
                    f"{row.name} still writes articles; name who takes them over in "
                    "`reassignArticlesTo`.",
                    "IN_USE",
                )
            if reassign_to == author_id:
                raise ValidationFailed.one(
                    path_in, "An author cannot take over their own articles.", "INVALID_ID"
                )
            heir = await session.scalar(select(t.c.id).where(t.c.id == reassign_to))
            if heir is None:
                raise ValidationFailed.one(
                    path_in, f"No author with id {reassign_to}.", "NOT_FOUND"
                )
            await touch_articles(env, session, "author", author_id, work.changes)
            await reassign_bylines(session, author_id, reassign_to)
            work.changes.record("author", reassign_to, "updated", related=[("author", author_id)])
        tokens = api_token_t.c
        await session.execute(
            update(api_token_t)
            .where(tokens.author_id == author_id, tokens.revoked_at.is_(None))
            .values(revoked_at=env.now)
        )
        await session.execute(
            update(api_token_t).where(tokens.author_id == author_id).values(author_id=None)
        )
        await drop_seo(session, "author", author_id)
        await session.execute(delete(t).where(t.c.id == author_id))
        path = redirects.entity_path(env.site, "author", row.slug)
        await redirects.record_gone(session, path, env.actor, env.now, work.changes)
        work.changes.record("author", author_id, "deleted", before=[path])
    return Saved(row, work.changes)
