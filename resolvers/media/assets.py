"""Media asset writes and reads: add (validated, stored, recorded: both or neither), edit the
describing fields, delete (refused while referenced unless forced), and where an asset is used."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, insert, literal, select, union, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.commands import CommandEnv, Problems, unit_of_work
from resolvers.db import Database, now_utc
from resolvers.media.html import body_reference
from resolvers.media.models import media_asset_t
from resolvers.media.storage import MediaStorage
from resolvers.media.validation import CheckedImage, Limits, MediaError, check_upload
from resolvers.models import article_t, author_t, category_t, tag_t
from resolvers.pagination import Page, PageArgs, SortKey, keyset_page

# Every column that references an asset: (entity kind, its table's reference column).
REFERENCES: tuple[tuple[str, Any], ...] = (
    ("article", article_t.c.feature_image_asset_id),
    ("author", author_t.c.avatar_asset_id),
    ("category", category_t.c.image_asset_id),
    ("tag", tag_t.c.image_asset_id),
)


@dataclass(frozen=True, slots=True, order=True)
class Usage:
    entity: str
    entity_id: int


def storage_key(content_hash: str, extension: str) -> str:
    return f"originals/{content_hash}.{extension}"


async def asset_by_hash(db: Database, content_hash: str) -> Any:
    return await db.one_or_none(
        select(media_asset_t).where(media_asset_t.c.content_hash == content_hash)
    )


async def asset_by_id(db: Database, asset_id: int) -> Any:
    return await db.one_or_none(select(media_asset_t).where(media_asset_t.c.id == asset_id))


async def assets_by_ids(db: Database, ids: Sequence[int]) -> list[Any]:
    rows = await db.all(select(media_asset_t).where(media_asset_t.c.id.in_(ids)))
    found = {r.id: r for r in rows}
    return [found.get(i) for i in ids]


def _clip(value: str | None, length: int) -> str | None:
    return None if value is None else value.strip()[:length] or None


async def add_asset(
    db: Database,
    storage: MediaStorage,
    data: bytes,
    *,
    filename: str,
    limits: Limits,
    actor: str | None,
    alt_text: str | None = None,
) -> tuple[Any, bool]:
    """The asset of these bytes and whether it is new. The same bytes uploaded again return the
    existing asset. The file is stored before the row is inserted; if the insert fails the file
    is removed again (unless another upload of the same bytes won the race and owns it)."""
    content_hash = hashlib.sha256(data).hexdigest()
    existing = await asset_by_hash(db, content_hash)
    if existing is not None:
        return existing, False
    checked: CheckedImage = await asyncio.to_thread(check_upload, data, limits)
    key = storage_key(content_hash, checked.extension)
    await storage.put(key, checked.data, checked.mime_type)
    now = now_utc()
    values = {
        "content_hash": content_hash,
        "storage_key": key,
        "filename": (filename.rsplit("/", 1)[-1] or "upload")[:300],
        "mime_type": checked.mime_type,
        "byte_size": len(checked.data),
        "width": checked.width,
        "height": checked.height,
        "alt_text": _clip(alt_text, 300),
        "dominant_color": checked.dominant_color,
        "blur_placeholder": checked.placeholder,
        "focal_x": 0.5,
        "focal_y": 0.5,
        "created_at": now,
        "updated_at": now,
        "created_by": actor,
        "updated_by": actor,
    }
    try:
        async with db.engine.begin() as conn:
            await conn.execute(insert(media_asset_t).values(**values))
    except IntegrityError:
        raced = await asset_by_hash(db, content_hash)
        if raced is not None:
            return raced, False
        await storage.delete(key)
        raise
    except BaseException:
        await storage.delete(key)
        raise
    row = await asset_by_hash(db, content_hash)
    return row, True


def _focal(value: float | None, name: str) -> float | None:
    if value is not None and not 0.0 <= value <= 1.0:
        raise MediaError("MEDIA_BAD_FOCAL_POINT", f"`{name}` must be between 0 and 1.")
    return value


async def update_asset(env: CommandEnv, asset_id: int, fields: dict[str, Any]) -> Any:
    """Changes the describing fields sent (alt_text, caption, credit, focal_x, focal_y); None
    when the asset does not exist. Cached answers that showed the asset are purged."""
    allowed = {"alt_text": 300, "caption": 5000, "credit": 300}
    values: dict[str, Any] = {}
    for name, length in allowed.items():
        if name in fields:
            values[name] = _clip(fields[name], length)
    for name in ("focal_x", "focal_y"):
        if name in fields and fields[name] is not None:
            values[name] = _focal(fields[name], name)
    values.update(updated_at=env.now, updated_by=env.actor)
    async with unit_of_work(env) as work:
        result = await work.session.execute(
            update(media_asset_t).where(media_asset_t.c.id == asset_id).values(**values)
        )
        if result.rowcount == 0:  # type: ignore[attr-defined]  # a CursorResult for UPDATE
            return None
        work.changes.record("media", asset_id, "updated")
    return await asset_by_id(env.db, asset_id)


def _usages_of(asset_id: int) -> Any:
    # Bodies name assets as <img data-asset-id="N"> (resolvers.media.html); force leaves them
    # as written (on output an image of a missing asset is dropped unless it has its own src).
    in_bodies = select(literal("article").label("entity"), article_t.c.id.label("entity_id"))
    return union(
        *(
            select(literal(kind).label("entity"), column.table.c.id.label("entity_id")).where(
                column == asset_id
            )
            for kind, column in REFERENCES
        ),
        in_bodies.where(article_t.c.body.contains(body_reference(asset_id))),
    )


async def usages(db: Database, asset_id: int) -> list[Usage]:
    """Where the asset is referenced, by entity kind and id (one statement)."""
    return sorted(Usage(r.entity, r.entity_id) for r in await db.all(_usages_of(asset_id)))


async def delete_asset(
    env: CommandEnv, storage: MediaStorage, asset_id: int, *, force: bool
) -> tuple[Any, list[Usage]] | None:
    """Deletes the asset (and its original) and returns it with the references it had; None
    when it does not exist. Without ``force`` a referenced asset is refused (``MediaInUse``,
    listing the usages); with it the references are cleared in the same transaction, and the
    entities that lost their image count as changed (cache purges, events)."""
    row = await asset_by_id(env.db, asset_id)
    if row is None:
        return None
    async with unit_of_work(env) as work:
        found = (await work.session.execute(_usages_of(asset_id))).all()
        used = sorted(Usage(r.entity, r.entity_id) for r in found)
        if used and not force:
            raise MediaInUse(used)
        for _, column in REFERENCES:
            await work.session.execute(
                update(column.table).where(column == asset_id).values({column.name: None})
            )
        await work.session.execute(delete(media_asset_t).where(media_asset_t.c.id == asset_id))
        for usage in used:
            work.changes.record(usage.entity, usage.entity_id, "updated")
        work.changes.record("media", asset_id, "deleted")
    await storage.delete(row.storage_key)
    return row, used


class MediaInUse(MediaError):
    def __init__(self, used: list[Usage]) -> None:
        where = ", ".join(f"{u.entity} {u.entity_id}" for u in used)
        super().__init__("MEDIA_IN_USE", f"The asset is in use ({where}); use force to delete.")
        self.usages = used


async def list_assets(db: Database, args: PageArgs) -> tuple[Page, Callable[[], Awaitable[int]]]:
    """The library, newest first (keyset on the primary key)."""
    m = media_asset_t
    key = SortKey("ID:DESC", m.c.id, m.c.id, descending=True, kind=int)
    page = await keyset_page(db, select(m), key, args, lambda row: row.id)

    async def count() -> int:
        return int(await db.scalar(select(func.count()).select_from(m)) or 0)

    return page, count


async def check_asset_ref(
    session: AsyncSession, problems: Problems, path: tuple[str, ...], asset_id: int | None
) -> None:
    """A reference a write is about to store names an existing asset (in the write's session)."""
    if asset_id is None:
        return
    found = await session.scalar(select(media_asset_t.c.id).where(media_asset_t.c.id == asset_id))
    if found is None:
        problems.add(path, f"No media asset {asset_id} exists.", "NOT_FOUND")
