"""Article links to authors, categories and tags: checked references and ordered replacement."""

from __future__ import annotations

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.commands import Problems
from resolvers.models import (
    ARTICLE_LINKS,
)

LINK_KINDS = tuple(ARTICLE_LINKS)
MAX_LINKS = 50


async def check_refs(
    session: AsyncSession, problems: Problems, links: dict[str, list[int]]
) -> None:
    """Every id names an existing row, at most once: one SELECT per kind."""
    for kind, ids in links.items():
        path = ("input", f"{kind}_ids")
        if len(ids) > MAX_LINKS:
            problems.add(path, f"At most {MAX_LINKS} {kind} ids.", "TOO_LONG")
            continue
        if len(set(ids)) != len(ids):
            problems.add(path, f"The same {kind} is listed twice.", "DUPLICATE")
        table = ARTICLE_LINKS[kind].parent
        found = set((await session.scalars(select(table.c.id).where(table.c.id.in_(ids)))).all())
        for position, wanted in enumerate(ids):
            if wanted not in found:
                problems.add((*path, str(position)), f"No {kind} with id {wanted}.", "NOT_FOUND")


async def link_ids(session: AsyncSession, kind: str, article_id: int) -> list[int]:
    link, column = ARTICLE_LINKS[kind].table, ARTICLE_LINKS[kind].parent_id
    rows = await session.scalars(
        select(column).where(link.c.article_id == article_id).order_by(link.c.position, column)
    )
    return list(rows.all())


async def replace_links(session: AsyncSession, kind: str, article_id: int, ids: list[int]) -> None:
    """The given order becomes the editorial order (position 0 = primary author/category)."""
    link, column = ARTICLE_LINKS[kind].table, ARTICLE_LINKS[kind].parent_id
    await session.execute(delete(link).where(link.c.article_id == article_id))
    if ids:
        await session.execute(
            insert(link),
            [{"article_id": article_id, column.key: i, "position": p} for p, i in enumerate(ids)],
        )
