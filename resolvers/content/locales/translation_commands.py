"""Translation commands: set (create or change) and remove the translation of an author,
category or tag in one locale.

Who may: whoever may edit the base row (editors for categories and tags; editors and the
author themself for an author). The locale must be one the site serves and not the default
locale (the base row is the default locale's text: change it with updateAuthor/updateCategory).
A translated slug names one entity per locale: it may not be another entity's translated slug
there, nor another entity's base slug where that entity has no translation (its fallback path).
A changed or removed translated slug leaves a 301 from its old localized path, as a base slug
change does. Writes go through the unit of work: caches of the entity are purged, revisions and
search documents kept as for any write of it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.access import may_edit_author, may_manage_terms
from resolvers.commands import (
    CommandEnv,
    EntityNotFound,
    Problems,
    Saved,
    ValidationFailed,
    deny_unless_allowed,
    unit_of_work,
)
from resolvers.content.locales.localized import LocalizedRow
from resolvers.content.locales.translation_models import TRANSLATION_TABLES
from resolvers.content.richtext import check_plain, check_rich_text
from resolvers.models import ARTICLE_LINKS, author_t
from resolvers.seo import redirects
from resolvers.validation import check_slug, check_text

IN = ("input",)
PARENTS = {"author": author_t, **{k: link.parent for k, link in ARTICLE_LINKS.items()}}


def _allowed(env: CommandEnv, kind: str, entity_id: int) -> None:
    if kind == "author":
        deny_unless_allowed(may_edit_author(env.viewer, entity_id))
    else:
        deny_unless_allowed(may_manage_terms(env.viewer))


def check_translation_locale(problems: Problems, env: CommandEnv, locale: str) -> str:
    tag = (locale or "").strip().lower()
    site = env.site
    if tag == site.default_locale:
        problems.add(
            (*IN, "locale"),
            f"{tag!r} is the default locale: its text is the entity itself; update that instead.",
            "DEFAULT_LOCALE",
        )
    elif tag not in site.served_locales:
        served = ", ".join(site.served_locales[1:]) or "none (GATEWAY_LOCALES is empty)"
        problems.add(
            (*IN, "locale"),
            f"Unknown locale {locale[:20]!r}: translations may use {served}.",
            "UNKNOWN_LOCALE",
        )
    return tag


def check_values(problems: Problems, kind: str, given: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if "name" in given:
        values["name"] = check_text(
            problems, (*IN, "name"), given["name"], max_length=200, required=True
        )
    if "slug" in given:
        if given["slug"] is None:
            problems.add((*IN, "slug"), "`slug` cannot be removed; pass a new one.", "REQUIRED")
        else:
            values["slug"] = check_slug(problems, (*IN, "slug"), given["slug"], None)
    if "description" in given:
        path, value = (*IN, "description"), given["description"]
        if kind == "author":  # a bio is rich text, as the author's own
            values["description"] = check_rich_text(problems, path, value, "html", 5000)
        else:
            values["description"] = check_plain(problems, path, value, 5000)
    for name, limit in (("meta_title", 300), ("meta_description", 500)):
        if name in given:
            values[name] = check_text(problems, (*IN, name), given[name], max_length=limit)
    return values


async def slug_free_in_locale(
    session: AsyncSession, problems: Problems, kind: str, entity_id: int, locale: str, slug: str
) -> None:
    """``slug`` may name ``entity_id`` in ``locale``: no other translation there has it, and
    no other entity untranslated there answers to it as its base slug."""
    tr, base = TRANSLATION_TABLES[kind], PARENTS[kind]
    other_tr = select(tr.c.id).where(
        tr.c.locale == locale, tr.c.slug == slug, tr.c.entity_id != entity_id
    )
    untranslated = (
        ~select(tr.c.id).where(tr.c.entity_id == base.c.id, tr.c.locale == locale).exists()
    )
    other_base = select(base.c.id).where(base.c.slug == slug, base.c.id != entity_id, untranslated)
    if await session.scalar(other_tr.limit(1)) is not None or (
        await session.scalar(other_base.limit(1)) is not None
    ):
        problems.add(
            (*IN, "slug"),
            f"The slug {slug!r} is taken by another {kind} in {locale!r}.",
            "SLUG_TAKEN",
        )


async def _lock(session: AsyncSession, kind: str, entity_id: int) -> Any:
    base = PARENTS[kind]
    row = (
        await session.execute(select(base).where(base.c.id == entity_id).with_for_update())
    ).first()
    if row is None:
        raise EntityNotFound(kind, entity_id)
    return row


async def _current(session: AsyncSession, kind: str, entity_id: int, locale: str) -> Any:
    tr = TRANSLATION_TABLES[kind]
    stmt = select(tr).where(and_(tr.c.entity_id == entity_id, tr.c.locale == locale))
    return (await session.execute(stmt)).first()


async def set_translation(
    env: CommandEnv, kind: str, entity_id: int, locale: str, given: dict[str, Any]
) -> Saved:
    """Create or change (only the fields given) the translation of ``kind`` ``entity_id`` in
    ``locale``; a new one needs ``name`` (its slug is made from it when absent)."""
    _allowed(env, kind, entity_id)
    problems = Problems()
    locale = check_translation_locale(problems, env, locale)
    values = check_values(problems, kind, given)
    tr = TRANSLATION_TABLES[kind]
    async with unit_of_work(env) as work:
        session = work.session
        base = await _lock(session, kind, entity_id)
        problems.raise_if_any()
        old = await _current(session, kind, entity_id, locale)
        if old is None:
            if values.get("name") is None:
                problems.add((*IN, "name"), "A new translation needs `name`.", "REQUIRED")
            elif values.get("slug") is None:
                values["slug"] = check_slug(problems, (*IN, "slug"), None, values["name"])
        slug = values.get("slug")
        if slug is not None and (old is None or slug != old.slug):
            await slug_free_in_locale(session, problems, kind, entity_id, locale, slug)
        problems.raise_if_any()
        stamp = {"updated_at": env.now, "updated_by": env.actor}
        try:
            if old is None:
                await session.execute(
                    insert(tr).values(
                        entity_id=entity_id, locale=locale, created_at=env.now, **values, **stamp
                    )
                )
            else:
                await session.execute(update(tr).where(tr.c.id == old.id).values(**values, **stamp))
        except IntegrityError:
            raise ValidationFailed.one(
                (*IN, "slug"), "The slug was just taken.", "SLUG_TAKEN"
            ) from None
        new = await _current(session, kind, entity_id, locale)
        await _moved(
            env,
            session,
            work,
            kind,
            entity_id,
            locale,
            base.slug if old is None else old.slug,
            new.slug,
            moved=True,
        )
    return Saved(LocalizedRow(kind, base, locale, new), work.changes)


async def remove_translation(env: CommandEnv, kind: str, entity_id: int, locale: str) -> Saved:
    """Delete the translation; the entity falls back to its base text in ``locale``."""
    _allowed(env, kind, entity_id)
    problems = Problems()
    locale = check_translation_locale(problems, env, locale)
    problems.raise_if_any()
    tr = TRANSLATION_TABLES[kind]
    async with unit_of_work(env) as work:
        session = work.session
        base = await _lock(session, kind, entity_id)
        old = await _current(session, kind, entity_id, locale)
        if old is None:
            raise EntityNotFound(f"{kind} translation", f"{entity_id}/{locale}")
        await session.execute(delete(tr).where(tr.c.id == old.id))
        await _moved(env, session, work, kind, entity_id, locale, old.slug, base.slug, moved=True)
    return Saved(LocalizedRow(kind, base, locale, None), work.changes)


async def _moved(
    env: CommandEnv,
    session: AsyncSession,
    work: Any,
    kind: str,
    entity_id: int,
    locale: str,
    old_slug: str,
    new_slug: str,
    *,
    moved: bool,
) -> None:
    """Record the change (the localized paths before and after; a 301 when it moved)."""
    old_path = redirects.entity_path(env.site, kind, old_slug, locale)
    new_path = redirects.entity_path(env.site, kind, new_slug, locale)
    if moved and old_path != new_path:
        await redirects.record_move(session, old_path, new_path, env.actor, env.now, work.changes)
    else:
        await redirects.claim_path(session, new_path, work.changes)
    # The unprefixed path names the slug too: cached "not found" lookups of it are purged.
    plain = [redirects.entity_path(env.site, kind, s) for s in {old_slug, new_slug}]
    work.changes.record(kind, entity_id, "updated", before=[old_path, *plain], after=[new_path])
