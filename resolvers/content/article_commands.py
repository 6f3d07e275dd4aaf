"""Article commands: create, update (partial), publish (now or later), unpublish, archive.

Deleting moves an article to the trash (``resolvers/revisions/trash.py``).

Each runs in one transaction (``unit_of_work``) and records a ``ChangeSet`` entry with the
article's path before and after and its authors/categories/tags. Concurrency: the article row is
locked (``SELECT ... FOR UPDATE`` on PostgreSQL) and the UPDATE is guarded by ``version``, so
two writers holding the same ``expectedVersion`` never both succeed (SQLite serialises writers).
A public article whose path changes gets a 301 from its old path.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.access import (
    SIGN_IN,
    may_create_article,
    may_edit_article,
    may_publish,
)
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
from resolvers.content.article_input import check_fields, check_window
from resolvers.content.articles import ARTICLE_COLUMNS
from resolvers.content.links import LINK_KINDS, check_refs, link_ids, replace_links
from resolvers.content.richtext import reading_time_minutes
from resolvers.content.translations import check_may_join
from resolvers.db import as_utc, now_utc
from resolvers.media.assets import check_asset_ref
from resolvers.models import article_t
from resolvers.revisions.record import ensure_baselines
from resolvers.seo import redirects
from resolvers.seo.commands import apply_seo
from resolvers.seo.paths import primary_category_select
from resolvers.validation import check_aware
from resolvers.visibility import PUBLIC

a = article_t
IN = ("input",)
ASSET_PATH = ("input", "feature_image", "asset_id")
SLUG_TAKEN = "SLUG_TAKEN"


async def slug_free(
    session: AsyncSession, problems: Problems, slug: str, locale: str, exclude: int | None
) -> None:
    stmt = select(a.c.id).where(a.c.slug == slug, a.c.locale == locale)
    if exclude is not None:
        stmt = stmt.where(a.c.id != exclude)
    if await session.scalar(stmt) is not None:
        problems.add(
            (*IN, "slug"), f"The slug {slug!r} is taken by another article in {locale!r}.",
            SLUG_TAKEN,
        )  # fmt: skip


async def lock_article(
    session: AsyncSession, article_id: int, *, trashed: bool = False
) -> tuple[Any, list[int]]:
    """The row, locked, and its author ids. An article in the trash is not found unless
    ``trashed`` (restoring it); one outside the trash is not found when ``trashed``."""
    row = (
        await session.execute(
            select(*ARTICLE_COLUMNS).where(a.c.id == article_id).with_for_update()
        )
    ).first()
    if row is None or (row.deleted_at is not None) != trashed:
        raise EntityNotFound("article", article_id)
    await ensure_baselines(session, "article", [article_id], now_utc())
    return row, (await link_ids(session, "author", article_id))


async def reload(session: AsyncSession, article_id: int) -> Any:
    return (await session.execute(select(*ARTICLE_COLUMNS).where(a.c.id == article_id))).one()


async def path_of(env: CommandEnv, session: AsyncSession, row: Any) -> str:
    """The article's normalised path; with ``{category}`` in the pattern its primary
    category is read in this transaction, so call it before the links change."""
    category = None
    if env.site.article_needs_category:
        category = await session.scalar(primary_category_select(row.id))
    return redirects.normalize_path(env.site.path("article", row.slug, row.locale, category))


def check_version(row: Any, expected: int | None) -> None:
    if expected is not None and row.version != expected:
        raise VersionConflict("article", expected, row.version)


async def guarded_update(
    env: CommandEnv, session: AsyncSession, row: Any, values: dict[str, Any]
) -> None:
    """UPDATE ... WHERE version = <read version>: a concurrent writer makes it match nothing."""
    result = await session.execute(
        update(a)
        .where(a.c.id == row.id, a.c.version == row.version)
        .values(**values, version=row.version + 1, updated_at=env.now, updated_by=env.actor)
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]  # CursorResult
        current = await session.scalar(select(a.c.version).where(a.c.id == row.id))
        raise VersionConflict("article", row.version, int(current or 0))


async def related(session: AsyncSession, article_id: int) -> set[tuple[str, int]]:
    return {(kind, i) for kind in LINK_KINDS for i in await link_ids(session, kind, article_id)}


async def _write(
    session: AsyncSession,
    statement: Awaitable[Any],
    article_id: int | None,
    links: dict[str, list[int]],
    seo: dict[str, Any] | None,
) -> int:
    """Run the INSERT (its result is the new id) or UPDATE of an article, then its links and
    SEO overrides. A unique-slug violation (a concurrent writer took the slug after our check)
    is a ``SLUG_TAKEN`` problem."""
    try:
        result = await statement
    except IntegrityError:
        raise ValidationFailed.one((*IN, "slug"), "The slug was just taken.", SLUG_TAKEN) from None
    written = int(result) if article_id is None else article_id
    for kind, ids in links.items():
        await replace_links(session, kind, written, ids)
    if seo:
        await apply_seo(session, "article", written, seo)
    return written


async def create_article(env: CommandEnv, given: dict[str, Any]) -> Saved:
    viewer = env.viewer
    deny_unless_allowed(may_create_article(viewer))
    problems = Problems()
    values, links, seo = check_fields(env, problems, given, creating=True)
    if viewer.role == "author" and viewer.author_id is not None:
        authors = links.get("author") or [viewer.author_id]
        if viewer.author_id not in authors:
            raise PermissionDenied("Authors must be among the authors of their own articles.")
        links["author"] = authors
    elif not links.get("author"):
        problems.add((*IN, "author_ids"), "An article needs at least one author.", "REQUIRED")
    async with unit_of_work(env) as work:
        session = work.session
        # Every problem at once: the field errors above and the ones only the database knows.
        await check_may_join(session, viewer, values.get("translation_group"), None)
        await check_refs(session, problems, links)
        await check_asset_ref(session, problems, ASSET_PATH, values.get("feature_image_asset_id"))
        if values.get("slug") is not None and values.get("locale") is not None:
            await slug_free(session, problems, values["slug"], values["locale"], None)
        problems.raise_if_any()
        values.setdefault("body", "")
        values.setdefault("reading_time_minutes", reading_time_minutes(values["body"]))
        insert_row = (
            insert(a)
            .values(
                **values,
                status="draft",
                created_at=env.now,
                updated_at=env.now,
                created_by=env.actor,
                updated_by=env.actor,
            )
            .returning(a.c.id)
        )
        article_id = await _write(session, session.scalar(insert_row), None, links, seo)
        row = await reload(session, article_id)
        work.changes.record(
            "article", article_id, "created", after=[await path_of(env, session, row)],
            related=await related(session, article_id),
        )  # fmt: skip
    return Saved(row, work.changes, {"warnings": problems.warnings})


async def update_article(
    env: CommandEnv, article_id: int, expected_version: int, given: dict[str, Any]
) -> Saved:
    viewer = env.viewer
    if viewer.is_anonymous:
        raise PermissionDenied(SIGN_IN)
    problems = Problems()
    values, links, seo = check_fields(env, problems, given, creating=False)
    async with unit_of_work(env) as work:
        session = work.session
        row, author_ids = await lock_article(session, article_id)
        deny_unless_allowed(may_edit_article(viewer, row.status, author_ids))
        if (
            viewer.role == "author"
            and "author" in links
            and viewer.author_id not in links["author"]
        ):
            raise PermissionDenied("Authors cannot remove themselves from their own articles.")
        group = values.get("translation_group")
        if group is not None and group != row.translation_group:
            await check_may_join(session, viewer, group, article_id)
        if "author" in links and not links["author"]:
            problems.add((*IN, "author_ids"), "An article needs at least one author.", "REQUIRED")
        await check_refs(session, problems, links)
        await check_asset_ref(session, problems, ASSET_PATH, values.get("feature_image_asset_id"))
        if "unpublish_at" in values:
            check_window(problems, row.published_at, values["unpublish_at"])
        slug, locale = values.get("slug", row.slug), values.get("locale", row.locale)
        if slug is not None and locale is not None and (slug, locale) != (row.slug, row.locale):
            await slug_free(session, problems, slug, locale, article_id)
        problems.raise_if_any()
        check_version(row, expected_version)
        before = await related(session, article_id)
        old_path = await path_of(env, session, row)  # before the links change
        await _write(session, guarded_update(env, session, row, values), article_id, links, seo)
        new = await reload(session, article_id)
        new_path = await path_of(env, session, new)
        if old_path != new_path and PUBLIC.was_public(row, env.now):
            await redirects.record_move(
                session, old_path, new_path, env.actor, env.now, work.changes
            )
        work.changes.record(
            "article", article_id, "updated", before=[old_path], after=[new_path],
            related=before | await related(session, article_id), snapshot=row,
        )  # fmt: skip
    return Saved(new, work.changes, {"warnings": problems.warnings})


async def _transition(
    env: CommandEnv,
    article_id: int,
    expected_version: int | None,
    new_values: Callable[[Any], dict[str, Any]],
) -> Saved:
    """A status change; ``new_values`` computes the columns from the locked current row."""
    async with unit_of_work(env) as work:
        session = work.session
        row, _ = await lock_article(session, article_id)
        check_version(row, expected_version)
        await guarded_update(env, session, row, new_values(row))
        new = await reload(session, article_id)
        path = await path_of(env, session, new)
        if new.status == PUBLIC.status:
            await redirects.claim_path(session, path, work.changes)  # a reused slug goes live
        work.changes.record(
            "article", article_id, "updated", before=[path], after=[path],
            related=await related(session, article_id), snapshot=row,
        )  # fmt: skip
    return Saved(new, work.changes)


async def publish_article(
    env: CommandEnv,
    article_id: int,
    published_at: datetime | None,
    expected_version: int | None,
    window: dict[str, datetime | None] | None = None,
) -> Saved:
    """Publish now, or at ``published_at`` (future: SCHEDULED, public exactly then — reads
    compare with the current time, no job runs). Re-publishing a public article without a time
    keeps its original publication time. ``window`` may set or clear ``unpublish_at``: public
    until then, exactly, the same way."""
    deny_unless_allowed(may_publish(env.viewer))
    problems = Problems()
    when = check_aware(problems, (*IN, "published_at"), published_at)
    ends: dict[str, datetime | None] = {}
    if window and "unpublish_at" in window:
        ends["unpublish_at"] = check_aware(problems, (*IN, "unpublish_at"), window["unpublish_at"])
    problems.raise_if_any()

    def published(row: Any) -> dict[str, Any]:
        moment = when or env.now
        if when is None and PUBLIC.holds(row, env.now):
            moment = as_utc(row.published_at) or moment
        late = Problems()
        check_window(late, moment, ends.get("unpublish_at", row.unpublish_at))
        late.raise_if_any()
        return {"status": PUBLIC.status, "published_at": moment, **ends}

    return await _transition(env, article_id, expected_version, published)


async def unpublish_article(
    env: CommandEnv, article_id: int, expected_version: int | None
) -> Saved:
    deny_unless_allowed(may_publish(env.viewer))
    return await _transition(
        env, article_id, expected_version, lambda _: {"status": "draft", "published_at": None}
    )


async def archive_article(env: CommandEnv, article_id: int, expected_version: int | None) -> Saved:
    deny_unless_allowed(may_publish(env.viewer))
    return await _transition(env, article_id, expected_version, lambda _: {"status": "archived"})
