"""Keeping the search documents current: every write re-analyses the articles whose searchable
text it changed (their own fields, or the name of one of their authors, categories or tags).

``refresh_for_changes`` runs inside the write's transaction (``resolvers.commands.unit_of_work``
calls it for every command, GraphQL, CLI and imports alike), so an article and its search
document commit together. ``index_articles`` does the work on a synchronous connection or
session, so the migration that builds the index for existing rows runs the same code.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import Session

from resolvers.changes import ChangeSet
from resolvers.content.locales.translation_models import TRANSLATION_TABLES
from resolvers.models import (
    article_author_t,
    article_category_t,
    article_t,
    article_tag_t,
    author_t,
    category_t,
    tag_t,
)
from resolvers.search.analysis import analyzer, language_of, markup_text
from resolvers.search.collation import collation_key
from resolvers.search.models import search_document_t
from resolvers.search.render import FIELD_LIMITS, FTS_COLUMNS, DocumentTokens

BATCH = 500

LINKS = {
    "author": (article_author_t, article_author_t.c.author_id, author_t),
    "category": (article_category_t, article_category_t.c.category_id, category_t),
    "tag": (article_tag_t, article_tag_t.c.tag_id, tag_t),
}

_FTS_INSERT = text(
    f"INSERT INTO search_fts(rowid, {', '.join(FTS_COLUMNS)}) "
    f"VALUES (:id, {', '.join(':' + c for c in FTS_COLUMNS)})"
)
_FTS_DELETE = "DELETE FROM search_fts WHERE rowid IN ({})"
_PG_INSERT = text(
    "INSERT INTO search_document (id, locale, lang, status, published_at, unpublish_at, "
    "deleted_at, recency, vector) VALUES (:id, :locale, :lang, :status, :published_at, "
    ":unpublish_at, :deleted_at, :recency, CAST(:vector AS tsvector))"
)
_TITLE_SORT = (
    update(article_t)
    .where(article_t.c.id == bindparam("b_id"))
    .values(title_sort=bindparam("b_sort"))
)
_LANG_INSERT = text("INSERT INTO search_language (lang) VALUES (:lang) ON CONFLICT DO NOTHING")

Sync = Connection | Session


def _dialect(conn: Sync) -> str:
    bind = conn.get_bind() if isinstance(conn, Session) else conn
    return str(bind.dialect.name)


def analyse_article(row: Any, names: Iterable[str]) -> DocumentTokens:
    """The tokens of one article row (title, excerpt, body, locale) and its linked names."""
    lang = language_of(row.locale)
    an = analyzer(lang)
    texts = {
        "title": row.title or "",
        "excerpt": row.excerpt or "",
        "meta": " ".join(names),
        "body": markup_text(row.body or ""),
    }
    fields: dict[str, list[str]] = {}
    unstemmed: set[str] = set()
    for name, value in texts.items():
        tokens, raw = an.analyse(value)
        fields[name] = tokens[: FIELD_LIMITS[name]]
        unstemmed |= raw
    return DocumentTokens(lang, fields, sorted(unstemmed))


def _epoch(value: datetime | None) -> float:
    if value is None:
        return 0.0
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()


def _names(conn: Sync, ids: list[int], translated: bool = True) -> dict[int, list[str]]:
    """The names of each article's authors, categories and tags, as its readers see them and
    as the default locale calls them: the translation in the article's locale (if any) beside
    the entity's own name, so ``Wissenschaft`` and ``Science`` both find a German article."""
    names: dict[int, list[str]] = defaultdict(list)
    for kind, (link, key, table) in LINKS.items():
        columns: list[Any] = [link.c.article_id, table.c.name]
        source: Any = link.join(table, table.c.id == key)
        if translated:
            tr = TRANSLATION_TABLES[kind]
            source = source.join(article_t, article_t.c.id == link.c.article_id).outerjoin(
                tr, and_(tr.c.entity_id == table.c.id, tr.c.locale == article_t.c.locale)
            )
            columns.append(tr.c.name.label("translated"))
        rows = conn.execute(
            select(*columns)
            .select_from(source)
            .where(link.c.article_id.in_(ids))
            .order_by(link.c.article_id, link.c.position)
        )
        for row in rows:
            shown = row.translated if translated else None
            if shown and shown != row.name:
                names[row.article_id].append(shown)
            names[row.article_id].append(row.name)
    return names


def _index_batch(conn: Sync, ids: list[int], dialect: str, translated: bool) -> None:
    a = article_t.c
    rows = conn.execute(
        select(
            a.id,
            a.locale,
            a.title,
            a.title_sort,
            a.excerpt,
            a.body,
            a.status,
            a.published_at,
            a.unpublish_at,
            a.deleted_at,
            a.created_at,
        ).where(a.id.in_(ids))
    ).all()
    names = _names(conn, ids, translated)
    conn.execute(delete(search_document_t).where(search_document_t.c.id.in_(ids)))
    if dialect == "sqlite":
        conn.execute(text(_FTS_DELETE.format(", ".join(str(int(i)) for i in ids))))
    if not rows:
        return
    docs, fts, langs = [], [], set()
    for row in rows:
        tokens = analyse_article(row, names.get(row.id, []))
        langs.add(tokens.language)
        doc = {
            "id": row.id,
            "locale": row.locale,
            "lang": tokens.language,
            "status": row.status,
            "published_at": row.published_at,
            "unpublish_at": row.unpublish_at,
            "deleted_at": row.deleted_at,
            "recency": _epoch(row.published_at or row.created_at),
        }
        if dialect == "sqlite":
            fts.append({"id": row.id, **tokens.fts_row()})
        else:
            doc["vector"] = tokens.tsvector()
        docs.append(doc)
    if dialect == "sqlite":
        conn.execute(search_document_t.insert(), docs)
        conn.execute(_FTS_INSERT, fts)
    else:
        conn.execute(_PG_INSERT, docs)
    conn.execute(_LANG_INSERT, [{"lang": lang} for lang in sorted(langs)])
    # The title's collation key is derived text too: kept by the same frame.
    stale = [
        {"b_id": row.id, "b_sort": key}
        for row in rows
        if (key := collation_key(row.title)) != row.title_sort
    ]
    if stale:
        conn.execute(_TITLE_SORT, stale)


def index_articles(conn: Sync, ids: Collection[int], *, translated: bool = True) -> None:
    """(Re)write the search documents of ``ids``; ids without an article lose theirs.
    ``translated=False``: without translated names (migrations older than their tables)."""
    dialect = _dialect(conn)
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), BATCH):
        _index_batch(conn, ordered[start : start + BATCH], dialect, translated)


def index_all(conn: Sync, *, translated: bool = True) -> int:
    """Rebuild every search document and collation key (the migration; again after an upgrade
    that changes the analysis); returns how many articles were indexed. ``translated=False``:
    for the migrations that run before the translation tables have their final shape."""
    ids = [row[0] for row in conn.execute(select(article_t.c.id))]
    index_articles(conn, ids, translated=translated)
    for kind in LINKS:
        sort_names(conn, kind, translated=translated)
    return len(ids)


def index_translated(conn: Sync) -> int:
    """The sort keys of every translated name, and the documents of the articles that show a
    translated name (an author, category or tag translated into the article's locale): what
    the translations change, without rebuilding everything. Returns the articles indexed."""
    ids: set[int] = set()
    for kind, (link, key, _) in LINKS.items():
        sort_names(conn, kind)
        tr = TRANSLATION_TABLES[kind]
        shown = (
            select(link.c.article_id)
            .join(article_t, article_t.c.id == link.c.article_id)
            .join(tr, and_(tr.c.entity_id == key, tr.c.locale == article_t.c.locale))
        )
        ids.update(row[0] for row in conn.execute(shown))
    index_articles(conn, ids)
    return len(ids)


async def index_articles_async(conn: AsyncConnection | AsyncSession, ids: Collection[int]) -> None:
    await conn.run_sync(index_articles, ids)


def _affected(conn: Sync, changes: ChangeSet) -> set[int]:
    ids = changes.ids("article")
    ids.update(key for entity, key in changes.entity_keys() if entity == "article")
    for kind, (link, key, _) in LINKS.items():
        changed = changes.ids(kind)
        if changed:
            found = conn.execute(select(link.c.article_id).where(key.in_(changed)))
            ids.update(row[0] for row in found)
    return ids


def sort_names(
    conn: Sync, kind: str, ids: Collection[int] | None = None, *, translated: bool = True
) -> None:
    """Bring the ``name_sort`` collation keys of authors, categories or tags, and of their
    translations, up to date (of the entities ``ids``, or of all rows)."""
    tables = [(LINKS[kind][2], LINKS[kind][2].c.id)]
    if translated:
        tr = TRANSLATION_TABLES[kind]
        tables.append((tr, tr.c.entity_id))
    for table, entity in tables:
        stmt = select(table.c.id, table.c.name, table.c.name_sort)
        if ids is not None:
            stmt = stmt.where(entity.in_(list(ids)))
        stale = [
            {"b_id": row.id, "b_sort": key}
            for row in conn.execute(stmt)
            if (key := collation_key(row.name)) != row.name_sort
        ]
        if stale:
            update_sort = (
                update(table)
                .where(table.c.id == bindparam("b_id"))
                .values(name_sort=bindparam("b_sort"))
            )
            conn.execute(update_sort, stale)


def _refresh(conn: Sync, changes: ChangeSet) -> None:
    for kind in LINKS:
        renamed = {c.entity_id for c in changes if c.entity == kind and c.action != "deleted"}
        if renamed:
            sort_names(conn, kind, renamed)
    ids = _affected(conn, changes)
    if ids:
        index_articles(conn, ids)


async def refresh_for_changes(session: AsyncSession, changes: ChangeSet) -> None:
    """Inside the write's transaction: re-analyse every article the changes touched."""
    if changes:
        await session.run_sync(_refresh, changes)
