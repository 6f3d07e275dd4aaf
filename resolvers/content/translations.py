"""Translation groups: who may put an article into one.

A group links an article's translations (hreflang alternates). Its key is free text, often
guessable (``tg-11``): joining a group that already has members needs the right to edit one of
them, so nobody attaches their own article to someone else's translations.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.access import Viewer, may_edit_article
from resolvers.commands import PermissionDenied
from resolvers.content.links import link_ids
from resolvers.models import article_t

a = article_t


async def check_may_join(
    session: AsyncSession, viewer: Viewer, group: str | None, article_id: int | None
) -> None:
    """Raise ``PermissionDenied`` unless ``viewer`` may edit an article already in ``group``
    (an empty group is anyone's to start; ``article_id`` is the article joining it)."""
    if group is None or viewer.is_editor:
        return
    stmt = select(a.c.id, a.c.status).where(a.c.translation_group == group)
    if article_id is not None:
        stmt = stmt.where(a.c.id != article_id)
    members = (await session.execute(stmt.limit(100))).all()
    if not members:
        return
    for member in members:
        authors = await link_ids(session, "author", member.id)
        if may_edit_article(viewer, member.status, authors) is None:
            return
    raise PermissionDenied(
        f"The translation group {group[:64]!r} belongs to articles you may not edit; "
        "ask an editor to link the translations."
    )
