"""What every table module shares: the UTC clock for defaults, the Core table of a model, and
the timestamp column. ``resolvers.models`` (the content tables) and the table modules of the
subsystems (``resolvers.events.models``, ``resolvers.revisions.models``,
``resolvers.search.models``, ``resolvers.content.locales.translation_models``) build on it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Column, DateTime, Table
from sqlmodel import SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


def table_of(model: type[SQLModel]) -> Table:
    """The Core table of a ``table=True`` model (SQLModel sets it when the class is created)."""
    table = model.__table__  # type: ignore[attr-defined]  # absent from SQLModel's stubs
    assert isinstance(table, Table)
    return table


def timestamp(nullable: bool = False, index: bool = False) -> Column[datetime]:
    """A timezone-aware timestamp column."""
    return Column(DateTime(timezone=True), nullable=nullable, index=index)
