"""Storage of translated authors, categories and tags: one table per kind.

A table per kind (``author_translation``, ``category_translation``, ``tag_translation``) and not
one polymorphic table: each row has a real foreign key to the row it translates (deleted with
it), and the two unique rules the reads rely on hold per kind without a discriminator column:
one translation per (entity, locale), and a slug names one entity per locale. The default
locale is never stored here: the base row is the default locale's text, and a missing
translation falls back to it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, Integer, Table, Text, UniqueConstraint
from sqlalchemy import ForeignKey as FK
from sqlmodel import Field, SQLModel

from resolvers.table_base import table_of, utcnow


class _Translation(SQLModel):
    """The translatable text of one entity in one locale (null: fall back to the base row)."""

    id: int | None = Field(default=None, primary_key=True)
    locale: str = Field(max_length=16)
    slug: str = Field(max_length=200)
    name: str = Field(max_length=200)
    # the name's collation key (resolvers.search.collation), kept by the write frame as the
    # base row's ``name_sort`` is: lists in this locale sort by it
    name_sort: str = Field(default="", max_length=600)
    description: str | None = Field(default=None, sa_type=Text)  # bio of an author
    meta_title: str | None = Field(default=None, max_length=300)
    meta_description: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(
        default_factory=utcnow, sa_type=DateTime(timezone=True), nullable=False
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_type=DateTime(timezone=True), nullable=False
    )
    updated_by: str | None = Field(default=None, max_length=200)


def _args(kind: str) -> tuple[object, ...]:
    # (entity_id, locale) also serves the foreign key's lookups: no separate entity_id index.
    return (
        UniqueConstraint("entity_id", "locale", name=f"uq_{kind}_translation_entity_locale"),
        UniqueConstraint("locale", "slug", name=f"uq_{kind}_translation_locale_slug"),
    )


class AuthorTranslation(_Translation, table=True):
    __tablename__ = "author_translation"
    __table_args__ = _args("author")

    entity_id: int = Field(
        sa_column=Column(Integer, FK("author.id", ondelete="CASCADE"), nullable=False)
    )


class CategoryTranslation(_Translation, table=True):
    __tablename__ = "category_translation"
    __table_args__ = _args("category")

    entity_id: int = Field(
        sa_column=Column(Integer, FK("category.id", ondelete="CASCADE"), nullable=False)
    )


class TagTranslation(_Translation, table=True):
    __tablename__ = "tag_translation"
    __table_args__ = _args("tag")

    entity_id: int = Field(
        sa_column=Column(Integer, FK("tag.id", ondelete="CASCADE"), nullable=False)
    )


TRANSLATION_TABLES: dict[str, Table] = {
    "author": table_of(AuthorTranslation),
    "category": table_of(CategoryTranslation),
    "tag": table_of(TagTranslation),
}
