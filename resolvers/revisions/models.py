"""The tables of revisions, reviews and the trash. ``resolvers.models`` imports this module so that
its ``metadata`` (Alembic, the export, the test template) has them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary, Text
from sqlmodel import Field, SQLModel

from resolvers.table_base import table_of, timestamp, utcnow


class Revision(SQLModel, table=True):
    """One saved state of an article or author: the state a committed write produced.

    ``state`` is zlib-compressed JSON of every restorable field (columns, ordered links, SEO
    overrides); ``changed_fields`` names what differs from the revision before it.
    """

    __tablename__ = "revision"
    __table_args__ = (Index("ix_revision_entity", "entity_type", "entity_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    entity_type: str = Field(max_length=16)  # article | author
    entity_id: int
    version: int
    action: str = Field(max_length=16)  # created | updated | deleted | restored
    operation: str | None = Field(default=None, max_length=100)  # mutation or CLI command
    actor: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp(index=True))
    changed_fields: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    state: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    state_bytes: int = Field(default=0)  # uncompressed size, for reporting


class ArticleReview(SQLModel, table=True):
    """One step of the review workflow: a submission, an approval or a change request."""

    __tablename__ = "article_review"
    __table_args__ = (Index("ix_article_review_article", "article_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    article_id: int = Field(foreign_key="article.id", ondelete="CASCADE")
    action: str = Field(max_length=24)  # submitted | approved | changes_requested
    comment: str | None = Field(default=None, sa_type=Text)
    version: int
    actor: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp())
    findings: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )


class ArticleTrash(SQLModel, table=True):
    """What restoring a trashed article needs: its slug and the redirects its deletion ended."""

    __tablename__ = "article_trash"

    article_id: int = Field(foreign_key="article.id", primary_key=True, ondelete="CASCADE")
    slug: str = Field(max_length=200)
    deleted_by: str | None = Field(default=None, max_length=200)
    purge_after: datetime = Field(sa_column=timestamp(index=True))
    # [[from_path, to_path, status_code], ...] of redirects that pointed at the article
    redirects: list[list[Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


revision_t = table_of(Revision)
article_review_t = table_of(ArticleReview)
article_trash_t = table_of(ArticleTrash)
