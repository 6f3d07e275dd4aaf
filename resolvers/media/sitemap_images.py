"""Library images of sitemap entries (``image:image``): an article's feature image asset and
the assets its body names (``<img data-asset-id>``), an author's avatar asset.

Bodies are read only when they name an asset (the query selects ``body`` only where it contains
``data-asset-id``); the assets of a batch of entries come in one query. Each image is listed
once, at its largest allowed rendition (as the body's ``src``), as an absolute URL.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Table, case, null

from resolvers.db import Database
from resolvers.media.html import MARKER, asset_ids, load_from, sized_rendition
from resolvers.media.urls import MediaUrls
from resolvers.seo.metadata import ImageData

ASSET_COLUMNS = {"article": "feature_image_asset_id", "author": "avatar_asset_id"}


def asset_columns(kind: str, table: Table) -> list[ColumnElement[Any]]:
    """``image_asset_id`` and ``asset_body`` (the body, only when it names an asset)."""
    column = ASSET_COLUMNS.get(kind)
    image_asset: Any = table.c[column] if column else null()
    body: Any = null()
    if kind == "article":
        body = case((table.c.body.contains(MARKER), table.c.body), else_=null())
    return [image_asset.label("image_asset_id"), body.label("asset_body")]


def _wanted(row: Any) -> list[int]:
    lead = [row.image_asset_id] if row.image_asset_id is not None else []
    return lead + [i for i in asset_ids(row.asset_body) if i not in lead]


async def add_asset_images(
    db: Database, urls: MediaUrls, rows: Sequence[Any], images: Sequence[list[ImageData]]
) -> None:
    """Append each row's library images to its entry's ``images`` (one query for all)."""
    per_row = [_wanted(row) for row in rows]
    ids = sorted({i for wanted in per_row for i in wanted})
    if not ids:
        return
    assets = {asset.id: asset for asset in await load_from(db)(ids)}
    for wanted, listed in zip(per_row, images, strict=True):
        seen = {image.url for image in listed}
        for ident in wanted:
            asset = assets.get(ident)
            if asset is None:
                continue
            url = sized_rendition(asset, urls, int(asset.width)).url
            if url not in seen:
                seen.add(url)
                listed.append(ImageData(url, asset.alt_text, None, None))
