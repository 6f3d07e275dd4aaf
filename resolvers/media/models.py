"""The media asset table. Kept apart from ``resolvers.models`` (which imports this module so
that its ``metadata``, Alembic and the test template see the table); it imports nothing of it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, DateTime, Table, Text
from sqlmodel import Field, SQLModel


def _now() -> datetime:
    return datetime.now(UTC)


def _ts() -> Any:
    return Column(DateTime(timezone=True), nullable=False)


def asset_fk() -> Any:
    """A nullable, indexed reference to an asset (articles, authors, categories, tags)."""
    return Field(default=None, foreign_key="media_asset.id", index=True)


class MediaAsset(SQLModel, table=True):
    """One stored original image. ``content_hash`` (SHA-256 of the uploaded bytes) names it in
    every URL, so its URLs never change meaning and are cached forever."""

    __tablename__ = "media_asset"

    id: int | None = Field(default=None, primary_key=True)
    content_hash: str = Field(max_length=64, unique=True, index=True)
    storage_key: str = Field(max_length=300)
    filename: str = Field(max_length=300)
    mime_type: str = Field(max_length=40)
    byte_size: int
    width: int
    height: int
    alt_text: str | None = Field(default=None, max_length=300)
    caption: str | None = Field(default=None, sa_type=Text)
    credit: str | None = Field(default=None, max_length=300)
    focal_x: float = Field(default=0.5)  # 0..1 from the left
    focal_y: float = Field(default=0.5)  # 0..1 from the top
    dominant_color: str = Field(default="#808080", max_length=7)
    blur_placeholder: str = Field(default="", sa_type=Text)  # a tiny data: URI
    created_at: datetime = Field(default_factory=_now, sa_column=_ts())
    updated_at: datetime = Field(default_factory=_now, sa_column=_ts())
    created_by: str | None = Field(default=None, max_length=200)
    updated_by: str | None = Field(default=None, max_length=200)


def _table(model: Any) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


media_asset_t = _table(MediaAsset)
