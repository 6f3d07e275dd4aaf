"""Dataloaders of the media library."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from resolvers.content.loaders import RequestLoader
from resolvers.media.models import media_asset_t


class MediaAssetByIdLoader(RequestLoader[int, Any]):
    """Assets by id, one SELECT per batch (``None`` when missing). Assets are public: their
    files are served to anyone who has the URL."""

    async def batch_load_fn(self, ids: Sequence[int]) -> list[Any]:
        rows = await self.db.all(select(media_asset_t).where(media_asset_t.c.id.in_(ids)))
        found = {r.id: r for r in rows}
        self.tags.entities("media", rows)
        return [found.get(i) for i in ids]
