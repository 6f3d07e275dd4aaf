"""Per-entity SEO overrides (``seo_meta``): checked like every other input, written as part of
the owning entity's create/update command (same transaction, same permission)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.commands import Problems
from resolvers.models import seo_meta_t
from resolvers.validation import check_json, check_robots, check_text, check_url

TEXT_LIMITS = {
    "meta_title": 300,
    "meta_description": 500,
    "og_title": 300,
    "og_description": 500,
    "twitter_title": 300,
    "twitter_description": 500,
}
URLS = ("canonical_url", "og_image_url")
FLAGS = ("robots_index", "robots_follow")
MAX_JSON_LD = 20_000


def check_seo(problems: Problems, path: tuple[str, ...], given: dict[str, Any]) -> dict[str, Any]:
    """Only the keys present are changed; None clears an override (flags reset to true)."""
    values: dict[str, Any] = {}
    for key, value in given.items():
        here = (*path, key)
        if key in TEXT_LIMITS:
            values[key] = check_text(problems, here, value, max_length=TEXT_LIMITS[key])
        elif key in URLS:
            values[key] = check_url(problems, here, value)
        elif key in FLAGS:
            values[key] = True if value is None else bool(value)
        elif key == "robots_extra":
            values[key] = check_robots(problems, here, value)
        elif key == "json_ld":
            values[key] = check_json(problems, here, value, MAX_JSON_LD)
        else:  # the API layer only sends known keys; anything else is a programming error
            raise KeyError(key)
    return values


async def apply_seo(
    session: AsyncSession, entity_type: str, entity_id: int, values: dict[str, Any]
) -> None:
    if not values:
        return
    t = seo_meta_t
    where = (t.c.entity_type == entity_type, t.c.entity_id == entity_id)
    existing = await session.scalar(select(t.c.id).where(*where))
    if existing is None:
        await session.execute(
            insert(t).values(entity_type=entity_type, entity_id=entity_id, **values)
        )
    else:
        await session.execute(update(t).where(t.c.id == existing).values(**values))


async def drop_seo(session: AsyncSession, entity_type: str, entity_id: int) -> None:
    t = seo_meta_t
    await session.execute(
        delete(t).where(t.c.entity_type == entity_type, t.c.entity_id == entity_id)
    )
