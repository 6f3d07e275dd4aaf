"""Authors, categories and tags in a locale: translations read with fallback.

A translation overlays the base row's name, slug and description (an author's ``bio``) in one
locale; what it leaves null, and every locale without a translation, falls back to the base row,
which is the default locale's text. ``LocalizedRow`` is that overlay: it reads like the base row
(every other column passes through) and knows its ``locale``, so paths get the ``/<locale>``
prefix. Reads are batched: ``TranslationByEntityLocaleLoader`` answers many (kind, id, locale)
keys with one SELECT per kind.

``find_by_localized_slug`` is the lookup routing uses for ``/de/categories/x``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Select, String, and_, or_, select

from resolvers.content.directory import TABLES
from resolvers.content.loaders import RequestLoader
from resolvers.content.locales.translation_models import TRANSLATION_TABLES
from resolvers.db import Database
from resolvers.errors import UserInputError
from resolvers.hot.driver import HotStatement, id_in
from resolvers.models import seo_meta_t
from resolvers.site import Site

# The column of the base row a translation's ``description`` replaces.
DESCRIPTION = {"author": "bio", "category": "description", "tag": "description"}


class LocalizedRow:
    """A base row seen in ``locale``: the translation's non-null text over the base row's."""

    __slots__ = ("base", "kind", "locale", "translation")

    def __init__(self, kind: str, base: Any, locale: str, translation: Any | None) -> None:
        self.kind, self.base, self.locale, self.translation = kind, base, locale, translation

    def __getattr__(self, name: str) -> Any:
        tr = self.translation
        if tr is not None:
            if name in ("name", "slug", "meta_title", "meta_description"):
                return getattr(tr, name)
            if name == DESCRIPTION[self.kind] and tr.description is not None:
                return tr.description
        if name in ("meta_title", "meta_description"):
            return None
        return getattr(self.base, name)

    @property
    def translated(self) -> bool:
        return self.translation is not None


# Overrides written in the default locale's language, or naming its page: a page shown in
# another locale does not use them (its own texts and URL are computed instead).
_DEFAULT_LANGUAGE_ONLY = ("og_title", "og_description", "twitter_title", "twitter_description")
_DEFAULT_PAGE_ONLY = ("canonical_url", "json_ld")


def localized_meta(row: Any, meta: Any | None) -> Any | None:
    """The SEO overrides of a page shown in a locale. A base row: ``meta`` as is. In another
    locale, never the canonical URL or JSON-LD override (they name the default locale's page;
    a localized page is its own canonical and gets generated JSON-LD). Translated: the
    translation's meta title and description, and none of the entity's texts (meta, Open
    Graph and Twitter titles and descriptions are in the default locale's language), so title,
    description and social cards fall back to the translated name and description. What is no
    text (robots, the Open Graph image) stays the entity's."""
    if not isinstance(row, LocalizedRow):
        return meta
    if meta is None and not row.translated:
        return None
    values: dict[str, Any] = {c.name: getattr(meta, c.name, None) for c in seo_meta_t.c}
    if meta is None:
        values.update(robots_index=True, robots_follow=True)
    values.update(dict.fromkeys(_DEFAULT_PAGE_ONLY))
    if row.translated:
        values.update(dict.fromkeys(_DEFAULT_LANGUAGE_ONLY))
        values.update(meta_title=row.meta_title, meta_description=row.meta_description)
    return SimpleNamespace(**values)


def base_row(row: Any) -> Any:
    """The entity's own row (the default locale's text) of a row shown in any locale."""
    return row.base if isinstance(row, LocalizedRow) else row


def row_locale(row: Any) -> str | None:
    """The locale a row is shown in (``None``: a base row, the default locale)."""
    return row.locale if isinstance(row, LocalizedRow) else None


def check_locale(site: Site, locale: str | None) -> str | None:
    """``locale`` if the site serves it (``None`` stays ``None``), else ``UNKNOWN_LOCALE``."""
    if locale is None:
        return None
    tag = locale.strip().lower()
    if tag not in site.served_locales:
        served = ", ".join(site.served_locales)
        raise UserInputError(
            f"Unknown locale {locale[:20]!r}: this site serves {served} (GATEWAY_LOCALES).",
            code="UNKNOWN_LOCALE",
        )
    return tag


def _translations_of(kind: str) -> Callable[[bool], Select[Any]]:
    def build(is_sqlite: bool) -> Select[Any]:
        table = TRANSLATION_TABLES[kind]
        return select(table).where(
            id_in(table.c.entity_id, "ids", is_sqlite),
            id_in(table.c.locale, "locales", is_sqlite, String),
        )

    return build


def _slugs_of(kind: str) -> Callable[[bool], Select[Any]]:
    def build(is_sqlite: bool) -> Select[Any]:
        table = TRANSLATION_TABLES[kind]
        return (
            select(table.c.entity_id, table.c.locale, table.c.slug)
            .where(id_in(table.c.entity_id, "ids", is_sqlite))
            .order_by(table.c.entity_id, table.c.locale)
        )

    return build


# Read for every page shown in a locale other than the default (its authors, categories and
# tags in that locale): on the lean path, not through the pool (resolvers.hot.driver).
TRANSLATIONS = {
    kind: HotStatement(f"translations-{kind}", _translations_of(kind)) for kind in TABLES
}
TRANSLATED_SLUGS = {
    kind: HotStatement(f"translated-slugs-{kind}", _slugs_of(kind)) for kind in TABLES
}


class TranslationByEntityLocaleLoader(RequestLoader[tuple[str, int, str], Any]):
    """The translation row of each (kind, entity id, locale), ``None`` when there is none.
    One SELECT per kind in the batch, whatever the number of keys."""

    async def batch_load_fn(self, keys: Sequence[tuple[str, int, str]]) -> list[Any]:
        by_kind: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for kind, entity_id, locale in keys:
            by_kind[kind].append((entity_id, locale))
        found: dict[tuple[str, int, str], Any] = {}
        for kind, pairs in by_kind.items():
            ids = sorted({i for i, _ in pairs})
            locales = sorted({loc for _, loc in pairs})
            rows = await TRANSLATIONS[kind].all(self.db, ids=ids, locales=locales)
            found.update(((kind, r.entity_id, r.locale), r) for r in rows)
        return [found.get(k) for k in keys]


class TranslationsByEntityLoader(RequestLoader[tuple[str, int], list[Any]]):
    """Every translation (``locale``, ``slug``) of each (kind, entity id), by locale: the
    hreflang alternates of an author or term page. One SELECT per kind in the batch."""

    async def batch_load_fn(self, keys: Sequence[tuple[str, int]]) -> list[list[Any]]:
        by_kind: dict[str, set[int]] = defaultdict(set)
        for kind, entity_id in keys:
            by_kind[kind].add(entity_id)
        found: dict[tuple[str, int], list[Any]] = defaultdict(list)
        for kind, ids in by_kind.items():
            for row in await TRANSLATED_SLUGS[kind].all(self.db, ids=sorted(ids)):
                found[(kind, row.entity_id)].append(row)
        return [found.get(k, []) for k in keys]


async def localize_rows(
    loader: TranslationByEntityLocaleLoader,
    site: Site,
    kind: str,
    rows: Sequence[Any],
    locales: Sequence[str | None],
) -> list[Any]:
    """Each row in the locale beside it (``None`` or the default locale: the row itself)."""
    wanted = [
        (kind, row.id, loc)
        for row, loc in zip(rows, locales, strict=True)
        if loc is not None and loc != site.default_locale
    ]
    translations = dict(zip(wanted, await loader.load_many(wanted), strict=True)) if wanted else {}
    out: list[Any] = []
    for row, loc in zip(rows, locales, strict=True):
        if loc is None or loc == site.default_locale:
            out.append(row)
        else:
            out.append(LocalizedRow(kind, row, loc, translations.get((kind, row.id, loc))))
    return out


async def find_by_localized_slug(
    db: Database, site: Site, kind: str, slug: str, locale: str | None
) -> LocalizedRow | Any | None:
    """The author, category or tag whose slug in ``locale`` is ``slug``: a translated slug, or
    (fallback) the base slug of an entity with no translation in that locale. ``None`` or the
    default locale: base slugs only. One statement. Routing resolves ``/de/categories/x``
    with it; the result's ``path`` is the canonical localized path to compare against."""
    table, columns = TABLES[kind]
    if locale is None or locale == site.default_locale:
        return await db.one_or_none(select(*columns).where(table.c.slug == slug))
    tr = TRANSLATION_TABLES[kind]
    joined = table.outerjoin(tr, and_(tr.c.entity_id == table.c.id, tr.c.locale == locale))
    rows = await db.all(
        select(*columns, *(c.label(f"tr_{c.name}") for c in tr.c))
        .select_from(joined)
        .where(or_(tr.c.slug == slug, and_(tr.c.id.is_(None), table.c.slug == slug)))
        .order_by(tr.c.id.is_(None))  # a translated slug wins over a fallback base slug
        .limit(1)
    )
    if not rows:
        return None
    base = rows[0]
    translation = None
    if base.tr_id is not None:
        translation = SimpleNamespace(**{c.name: getattr(base, f"tr_{c.name}") for c in tr.c})
    return LocalizedRow(kind, base, locale, translation)


def localized_path(site: Site, kind: str, row: Any) -> str:
    """The canonical path of an author/category/tag row, ``/<locale>``-prefixed when shown in
    a non-default locale (with its translated slug, or its base slug as fallback)."""
    return site.path(kind, row.slug, row_locale(row))


# -- Accept-Language (read only when GATEWAY_LOCALE_FROM_ACCEPT_LANGUAGE is on) ---------------

MAX_RANGES = 20  # a header longer than this is read only this far


def negotiate(header: str | None, served: tuple[str, ...]) -> str | None:
    """The served locale the header prefers most (RFC 4647 lookup: ``de-CH`` falls back to
    ``de``; a bare ``de`` also matches a served ``de-at``); ties keep the header's order."""
    if not header:
        return None
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")[:MAX_RANGES]):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip().lower()
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                continue
        if tag and tag != "*" and 0 < quality <= 1:
            ranked.append((-quality, position, tag))
    for _, _, tag in sorted(ranked):
        found = _match(tag, served)
        if found is not None:
            return found
    return None


def _match(tag: str, served: tuple[str, ...]) -> str | None:
    candidate = tag
    while candidate:
        if candidate in served:
            return candidate
        candidate = candidate.rpartition("-")[0]
    return next((s for s in served if s.startswith(tag + "-")), None)


def accepted_locale(site: Site, header: str | None) -> str | None:
    """The locale an Accept-Language header chooses among the served ones; ``None`` when the
    site does not let the header choose (GATEWAY_LOCALE_FROM_ACCEPT_LANGUAGE off: never read)
    or nothing matches. Off, the header cannot change an answer, so no cache keys on it; on,
    answers say ``Vary: Accept-Language`` and the response cache keys on this locale (not on
    the raw header: ``de-DE,de;q=0.9`` and ``de`` share one entry)."""
    if not site.locale_from_accept_language:
        return None
    return negotiate(header, site.served_locales)
