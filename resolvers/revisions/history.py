"""Reading history: an entity's revisions newest first, one revision, and comparisons.

Who may read it is decided by the caller (``may_read_history``): editors for everything, an
author for articles they write. Anonymous viewers never see revisions on any path.
"""

from __future__ import annotations

import difflib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from resolvers.access import Viewer
from resolvers.db import Database
from resolvers.models import article_author_t
from resolvers.pagination import Page, PageArgs, SortKey, build_page, encode_cursor
from resolvers.revisions.models import revision_t
from resolvers.revisions.state import decode, flatten

r = revision_t
# Everything but the compressed state: lists never decompress.
SUMMARY = [c for c in r.c if c.name != "state"]
ORDER = SortKey("revision", r.c.id, r.c.id, descending=True, kind=int)


async def may_read_history(db: Database, viewer: Viewer, entity: str, entity_id: int) -> bool:
    if viewer.is_editor:
        return True
    if viewer.role != "author" or viewer.author_id is None:
        return False
    if entity == "author":
        return viewer.author_id == entity_id
    found = await db.scalar(
        select(article_author_t.c.article_id).where(
            article_author_t.c.article_id == entity_id,
            article_author_t.c.author_id == viewer.author_id,
        )
    )
    return found is not None


EMPTY = Page(rows=[], cursors=[], has_next_page=False, has_previous_page=False)


async def no_count() -> int:
    return 0


async def list_revisions(
    db: Database, entity: str, entity_id: int, args: PageArgs
) -> tuple[Page, Callable[[], Awaitable[int]]]:
    where = (r.c.entity_type == entity, r.c.entity_id == entity_id)
    stmt = select(*SUMMARY).where(*where)
    seek = ORDER.seek(args)
    if seek is not None:
        stmt = stmt.where(seek)
    rows = await db.all(stmt.order_by(*ORDER.order_by(args.backward)).limit(args.size + 1))
    page = build_page(rows, args, lambda row: encode_cursor("revision", row.id, row.id))

    async def count() -> int:
        return int(await db.scalar(select(func.count()).select_from(r).where(*where)) or 0)

    return page, count


async def get_revision(db: Database, revision_id: int) -> Any | None:
    rows = await db.all(select(*SUMMARY).where(r.c.id == revision_id))
    return rows[0] if rows else None


async def revision_state(db: Database, revision_id: int) -> dict[str, Any] | None:
    blob = await db.scalar(select(r.c.state).where(r.c.id == revision_id))
    return None if blob is None else decode(blob)


async def previous_revision_id(db: Database, row: Any) -> int | None:
    value = await db.scalar(
        select(func.max(r.c.id)).where(
            r.c.entity_type == row.entity_type, r.c.entity_id == row.entity_id, r.c.id < row.id
        )
    )
    return None if value is None else int(value)


@dataclass(frozen=True, slots=True)
class FieldDiff:
    field: str
    before: Any
    after: Any


def compare(before: dict[str, Any] | None, after: dict[str, Any]) -> list[FieldDiff]:
    """Field-by-field differences, in field-name order (``before`` None: all fields new)."""
    old = flatten(before) if before is not None else {}
    new = flatten(after)
    return [
        FieldDiff(name, old.get(name), new.get(name))
        for name in sorted(new.keys() | old.keys())
        if old.get(name) != new.get(name)
    ]


def body_diff(before: dict[str, Any] | None, after: dict[str, Any], labels: tuple[str, str]) -> str:
    """A unified diff of the body, one HTML block per line so a change reads as lines."""
    old = _lines(((before or {}).get("fields") or {}).get("body") or "")
    new = _lines((after.get("fields") or {}).get("body") or "")
    return "".join(difflib.unified_diff(old, new, fromfile=labels[0], tofile=labels[1]))


def _lines(markup: str) -> list[str]:
    for closing in ("</p>", "</h1>", "</h2>", "</h3>", "</h4>", "</li>", "</pre>", "<br>"):
        markup = markup.replace(closing, closing + "\n")
    return [line + "\n" for line in markup.splitlines() if line.strip()]
