"""The restorable state of an article or author, read in the writer's transaction.

A state is a plain dict: the entity's content columns (datetimes as ISO-8601 strings), its
ordered author/category/tag ids (articles) and its SEO overrides (``None`` without a row).
Bookkeeping columns (id, version, updated_*, deleted_at) are not content: a revision row keeps
version, actor and time itself. Stored as zlib-compressed canonical JSON, so restoring is exact.
"""

from __future__ import annotations

import json
import zlib
from datetime import datetime
from typing import Any

from sqlalchemy import literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.db import as_utc
from resolvers.models import ARTICLE_LINKS, article_t, author_t, seo_meta_t

BOOKKEEPING = {"id", "version", "updated_at", "updated_by", "deleted_at"}
TABLES = {"article": article_t, "author": author_t}
# link kind -> its field in a state: the ordered ids
LINK_FIELDS = {"author": "authors", "category": "categories", "tag": "tags"}
SEO_FIELDS = [c.name for c in seo_meta_t.c if c.name not in ("id", "entity_type", "entity_id")]
TRACKED = ("article", "author")


def content_columns(entity: str) -> list[Any]:
    return [c for c in TABLES[entity].c if c.name not in BOOKKEEPING]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    return value


async def read_states(
    session: AsyncSession, entity: str, ids: list[int]
) -> dict[int, tuple[int, dict[str, Any]]]:
    """``{id: (version, state)}`` of the rows that exist; three queries per kind of data."""
    if not ids:
        return {}
    table = TABLES[entity]
    rows = (
        await session.execute(
            select(table.c.id, table.c.version, *content_columns(entity)).where(table.c.id.in_(ids))
        )
    ).all()
    states: dict[int, tuple[int, dict[str, Any]]] = {}
    for row in rows:
        fields = {c.name: _plain(getattr(row, c.name)) for c in content_columns(entity)}
        states[row.id] = (row.version, {"fields": fields, "seo": None})
    if entity == "article" and states:
        for _, state in states.values():
            state.update({name: [] for name in LINK_FIELDS.values()})
        for row in (await session.execute(_links_select(list(states)))).all():
            states[row.article_id][1][row.kind].append(row.linked)
    seo = await session.execute(
        select(seo_meta_t).where(
            seo_meta_t.c.entity_type == entity, seo_meta_t.c.entity_id.in_(states)
        )
    )
    for row in seo.all():
        states[row.entity_id][1]["seo"] = {name: getattr(row, name) for name in SEO_FIELDS}
    return states


def _links_select(article_ids: list[int]) -> Any:
    """All ordered links of the articles, every kind in one statement."""
    parts = []
    for kind, name in LINK_FIELDS.items():
        link, column = ARTICLE_LINKS[kind].table, ARTICLE_LINKS[kind].parent_id
        parts.append(
            select(
                literal(name).label("kind"),
                link.c.article_id,
                column.label("linked"),
                link.c.position,
            ).where(link.c.article_id.in_(article_ids))
        )
    linked = union_all(*parts).subquery()
    return select(linked).order_by(
        linked.c.kind, linked.c.article_id, linked.c.position, linked.c.linked
    )


def flatten(state: dict[str, Any]) -> dict[str, Any]:
    """One level of named fields for comparison: columns, link lists, ``seo.<field>``."""
    flat = dict(state.get("fields", {}))
    for name in LINK_FIELDS.values():
        if name in state:
            flat[name] = state[name]
    seo = state.get("seo") or {}
    for name in SEO_FIELDS:
        flat[f"seo.{name}"] = seo.get(name)
    return flat


def changed_fields(before: dict[str, Any] | None, after: dict[str, Any]) -> list[str]:
    """Field names whose value differs (all non-empty fields for a first revision)."""
    new = flatten(after)
    if before is None:
        return sorted(k for k, v in new.items() if v not in (None, "", []))
    old = flatten(before)
    return sorted(k for k in new.keys() | old.keys() if new.get(k) != old.get(k))


def encode(state: dict[str, Any]) -> tuple[bytes, int]:
    raw = json.dumps(state, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return zlib.compress(raw, 6), len(raw)


def decode(blob: bytes) -> dict[str, Any]:
    return json.loads(zlib.decompress(blob))  # type: ignore[no-any-return]
