"""The stored, analysed search document of each article, and the analysers in use.
``resolvers.models`` imports this module so that its ``metadata`` (Alembic, the export, the test
template) has them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from resolvers.table_base import table_of, timestamp


class SearchDocument(SQLModel, table=True):
    """One article as search sees it, rewritten by every write that changes what it says
    (``resolvers/search/index.py``). The analysed tokens live beside it in raw SQL: the FTS5
    table ``search_fts`` (rowid = article id) on SQLite, the ``vector`` tsvector column with a
    GIN index on PostgreSQL. Status, publication window and trash time are copied here so
    that the visibility rule runs on this table alone while candidates are collected."""

    __tablename__ = "search_document"
    __table_args__ = (Index("ix_search_document_status_published_at", "status", "published_at"),)

    id: int = Field(foreign_key="article.id", primary_key=True, ondelete="CASCADE")
    locale: str = Field(max_length=16, index=True)
    lang: str = Field(max_length=32)  # the analyser: a Snowball language or "simple"
    status: str = Field(max_length=16)
    published_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))
    unpublish_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))
    deleted_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))
    recency: float = Field(default=0.0)  # epoch seconds of publication (or creation)


class SearchLanguage(SQLModel, table=True):
    """The analysers in use: a search without a locale is analysed once per language here."""

    __tablename__ = "search_language"

    lang: str = Field(max_length=32, primary_key=True)


search_document_t = table_of(SearchDocument)
search_language_t = table_of(SearchLanguage)
