"""SQLModel table models: the storage shape, and the single definition Alembic and queries use.

Hot read paths select columns from these tables with SQLAlchemy Core (``Article.__table__``);
no ORM entities are hydrated on the read path.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Index,
    Text,
    UniqueConstraint,
    select,
)
from sqlmodel import Field, SQLModel

from resolvers.events import models as event_tables  # noqa: F401  (outbox, webhooks, deliveries)
from resolvers.media.models import asset_fk  # also puts media_asset into the metadata
from resolvers.revisions import models as revision_tables  # noqa: F401  (revisions, reviews, trash)
from resolvers.search import models as search_tables  # noqa: F401  (search documents)
from resolvers.table_base import table_of, timestamp, utcnow

# The subsystems' table modules above are imported for their tables: ``metadata`` (Alembic, the
# native export, the test template) holds every table once this module is imported.


class Author(SQLModel, table=True):
    __tablename__ = "author"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=200, unique=True)
    name: str = Field(max_length=200)
    # The name's collation key (resolvers/search/collation.py), kept by every write.
    name_sort: str = Field(default="", max_length=600, index=True)
    bio: str | None = Field(default=None, sa_type=Text)
    email: str | None = Field(default=None, max_length=320)
    website: str | None = Field(default=None, max_length=500)
    twitter: str | None = Field(default=None, max_length=100)
    avatar_url: str | None = Field(default=None, max_length=500)
    avatar_alt: str | None = Field(default=None, max_length=300)
    avatar_width: int | None = None
    avatar_height: int | None = None
    avatar_asset_id: int | None = asset_fk()
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=timestamp())
    created_by: str | None = Field(default=None, max_length=200)  # who wrote it
    updated_by: str | None = Field(default=None, max_length=200)


class Article(SQLModel, table=True):
    __tablename__ = "article"
    __table_args__ = (
        UniqueConstraint("slug", "locale", name="uq_article_slug_locale"),
        # The public listing: WHERE status = 'published' AND published_at <= now ORDER BY
        # published_at DESC, id DESC — a range scan on this index, no sort.
        Index("ix_article_status_published_at_id", "status", "published_at", "id"),
        Index("ix_article_status_updated_at_id", "status", "updated_at", "id"),
        Index("ix_article_status_title_id", "status", "title", "id"),
        Index("ix_article_status_title_sort_id", "status", "title_sort", "id"),
        # public members of a translation group (hreflang in lists and sitemaps)
        Index("ix_article_translation_group_status", "translation_group", "status", "published_at"),
        # The next scheduled end of publication (response-cache lifetimes).
        Index("ix_article_status_unpublish_at", "status", "unpublish_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=200, index=True)
    locale: str = Field(default="en", max_length=16)
    title: str = Field(max_length=300)
    # The title's collation key (resolvers/search/collation.py), kept by every write.
    title_sort: str = Field(default="", max_length=600)
    excerpt: str | None = Field(default=None, sa_type=Text)
    body: str = Field(default="", sa_type=Text)
    status: str = Field(default="draft", max_length=16)
    published_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))
    # Public until this moment (exclusive); null: no end. Compared with the clock on every read.
    unpublish_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))
    # In the trash since then (see ArticleTrash); null for live articles.
    deleted_at: datetime | None = Field(
        default=None, sa_column=timestamp(nullable=True, index=True)
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=timestamp())
    reading_time_minutes: int = Field(default=1)
    feature_image_url: str | None = Field(default=None, max_length=500)
    feature_image_alt: str | None = Field(default=None, max_length=300)
    feature_image_width: int | None = None
    feature_image_height: int | None = None
    feature_image_asset_id: int | None = asset_fk()
    translation_group: str | None = Field(default=None, max_length=64)
    version: int = Field(default=1)
    created_by: str | None = Field(default=None, max_length=200)  # who wrote it
    updated_by: str | None = Field(default=None, max_length=200)


class ArticleAuthor(SQLModel, table=True):
    """Ordered authors of an article; position 0 is the primary author."""

    __tablename__ = "article_author"
    # An article's authors in order (the primary author first): a seek, not a sort per article.
    __table_args__ = (
        Index("ix_article_author_article_position", "article_id", "position", "author_id"),
    )

    article_id: int = Field(foreign_key="article.id", primary_key=True, ondelete="CASCADE")
    author_id: int = Field(foreign_key="author.id", primary_key=True, index=True)
    position: int = Field(default=0)


class Category(SQLModel, table=True):
    __tablename__ = "category"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=200, unique=True)
    name: str = Field(max_length=200)
    # The name's collation key (resolvers/search/collation.py), kept by every write.
    name_sort: str = Field(default="", max_length=600, index=True)
    description: str | None = Field(default=None, sa_type=Text)
    image_asset_id: int | None = asset_fk()
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=timestamp())
    created_by: str | None = Field(default=None, max_length=200)  # who wrote it
    updated_by: str | None = Field(default=None, max_length=200)


class Tag(SQLModel, table=True):
    __tablename__ = "tag"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=200, unique=True)
    name: str = Field(max_length=200)
    # The name's collation key (resolvers/search/collation.py), kept by every write.
    name_sort: str = Field(default="", max_length=600, index=True)
    description: str | None = Field(default=None, sa_type=Text)
    image_asset_id: int | None = asset_fk()
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=timestamp())
    created_by: str | None = Field(default=None, max_length=200)  # who wrote it
    updated_by: str | None = Field(default=None, max_length=200)


class ArticleCategory(SQLModel, table=True):
    __tablename__ = "article_category"

    article_id: int = Field(foreign_key="article.id", primary_key=True, ondelete="CASCADE")
    category_id: int = Field(foreign_key="category.id", primary_key=True, index=True)
    position: int = Field(default=0)


class ArticleTag(SQLModel, table=True):
    __tablename__ = "article_tag"

    article_id: int = Field(foreign_key="article.id", primary_key=True, ondelete="CASCADE")
    tag_id: int = Field(foreign_key="tag.id", primary_key=True, index=True)
    position: int = Field(default=0)


class SeoMeta(SQLModel, table=True):
    """Explicit SEO overrides of one entity; absent fields fall back to computed values."""

    __tablename__ = "seo_meta"
    __table_args__ = (UniqueConstraint("entity_type", "entity_id", name="uq_seo_meta_entity"),)

    id: int | None = Field(default=None, primary_key=True)
    entity_type: str = Field(max_length=16)  # article | author | category | tag
    entity_id: int
    meta_title: str | None = Field(default=None, max_length=300)
    meta_description: str | None = Field(default=None, max_length=500)
    canonical_url: str | None = Field(default=None, max_length=500)
    robots_index: bool = Field(default=True)
    robots_follow: bool = Field(default=True)
    robots_extra: str | None = Field(default=None, max_length=200)
    og_title: str | None = Field(default=None, max_length=300)
    og_description: str | None = Field(default=None, max_length=500)
    og_image_url: str | None = Field(default=None, max_length=500)
    twitter_title: str | None = Field(default=None, max_length=300)
    twitter_description: str | None = Field(default=None, max_length=500)
    json_ld: str | None = Field(default=None, sa_type=Text)


class Redirect(SQLModel, table=True):
    __tablename__ = "redirect"

    id: int | None = Field(default=None, primary_key=True)
    from_path: str = Field(max_length=500, unique=True)
    to_path: str | None = Field(default=None, max_length=500, index=True)  # redirect chains
    status_code: int = Field(default=301)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp())
    created_by: str | None = Field(default=None, max_length=200)  # who wrote it
    updated_by: str | None = Field(default=None, max_length=200)


class ApiToken(SQLModel, table=True):
    """An API token. Only the SHA-256 of the secret is stored (see resolvers/auth/tokens.py)."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, index=True)
    role: str = Field(max_length=16)
    token_hash: str = Field(max_length=64, unique=True)
    prefix: str = Field(max_length=16)  # the first characters, to recognise a token in lists
    author_id: int | None = Field(default=None, foreign_key="author.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp())
    expires_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))
    revoked_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))
    created_by: str | None = Field(default=None, max_length=200)


class PersistedDocument(SQLModel, table=True):
    """A trusted GraphQL document (allow-list entry), loaded from a client's manifest."""

    __tablename__ = "persisted_document"

    id: int | None = Field(default=None, primary_key=True)
    document_id: str = Field(max_length=200, unique=True)  # the id clients send
    sha256: str = Field(max_length=64, index=True)  # of the exact body (APQ hash)
    normalized_hash: str = Field(max_length=64, index=True)  # of its lexical normal form
    operation_name: str | None = Field(default=None, max_length=200)
    operation_type: str = Field(max_length=16)
    body: str = Field(sa_type=Text)
    source: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp())


metadata = SQLModel.metadata
article_t = table_of(Article)
author_t = table_of(Author)
article_author_t = table_of(ArticleAuthor)
category_t = table_of(Category)
tag_t = table_of(Tag)
article_category_t = table_of(ArticleCategory)
article_tag_t = table_of(ArticleTag)
seo_meta_t = table_of(SeoMeta)
redirect_t = table_of(Redirect)
persisted_document_t = table_of(PersistedDocument)
api_token_t = table_of(ApiToken)


@dataclass(frozen=True, slots=True)
class ArticleLink:
    """How articles link to one kind of parent: the link table (``article_id``, ``position``),
    its column naming the parent, and the parent's own table."""

    table: Any
    parent_id: Any
    parent: Any

    def article_ids(self, *where: Any) -> Any:
        """SELECT of the linked article ids, joined to the parent table for ``where``."""
        return (
            select(self.table.c.article_id)
            .join(self.parent, self.parent.c.id == self.parent_id)
            .where(*where)
        )


# parent kind -> its link: every query that joins articles to authors, categories or tags.
ARTICLE_LINKS: dict[str, ArticleLink] = {
    "author": ArticleLink(article_author_t, article_author_t.c.author_id, author_t),
    "category": ArticleLink(article_category_t, article_category_t.c.category_id, category_t),
    "tag": ArticleLink(article_tag_t, article_tag_t.c.tag_id, tag_t),
}


# --- response-cache coherence: purges every process applies before answering from its cache ---


class CachePurge(SQLModel, table=True):
    """The cache tags one committed write made stale, numbered in commit order (``gen``).

    Written in the write's own transaction, so it is as durable as the write. Every process
    (each with its memory cache, or all sharing Redis) records the highest ``gen`` its cache has
    applied and checks for later rows before it answers from the cache: a purge that could not
    reach Redis, or that another process made, is applied then and never skipped.
    """

    __tablename__ = "cache_purge"

    gen: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp())


cache_purge_t = table_of(CachePurge)


class ImportedItem(SQLModel, table=True):
    """Which row an imported source item became: the key that makes re-running an import update
    instead of duplicate. ``source`` names the site (``wordpress:https://old.example.com``),
    ``kind`` the source's item type, ``content_hash`` what was written (unchanged items skip)."""

    __tablename__ = "imported_item"
    __table_args__ = (
        UniqueConstraint("source", "kind", "source_id", name="uq_imported_item_source"),
        Index("ix_imported_item_entity", "entity_type", "entity_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=300)
    kind: str = Field(max_length=16)  # article | author | category | tag
    source_id: str = Field(max_length=200)
    entity_type: str = Field(max_length=16)
    entity_id: int
    content_hash: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=timestamp())


imported_item_t = table_of(ImportedItem)
