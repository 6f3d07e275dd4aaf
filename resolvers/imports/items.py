"""The neutral shape every source format is mapped to, and the options of an import run.

A parser yields ``SourceAuthor`` and ``SourceTerm`` items before the ``SourceArticle`` items that
name them (by source id), then optional ``SourceRedirect`` items. ``old_paths`` are the paths
the item answered at on the old site; each becomes a 301 to the item's new path.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import orjson

# Our article statuses, plus "skip" (not imported, counted).
TARGET_STATUSES = ("draft", "published", "archived", "skip")


class ImportFileError(Exception):
    """The source as a whole cannot be imported (malformed, hostile, wrong encoding): nothing
    is written. ``str(exc)`` is the message for the operator."""


@dataclass
class SourceAuthor:
    source_id: str
    name: str
    slug: str | None = None
    email: str | None = None
    bio: str | None = None
    website: str | None = None
    twitter: str | None = None
    avatar_url: str | None = None
    logins: tuple[str, ...] = ()  # other keys --author-map may use (login, e-mail)
    old_paths: list[str] = field(default_factory=list)
    seo: dict[str, Any] | None = None


@dataclass
class SourceTerm:
    kind: str  # category | tag
    source_id: str
    name: str
    slug: str | None = None
    description: str | None = None
    parent: str | None = None  # source id of the parent category (flattened on import)
    old_paths: list[str] = field(default_factory=list)
    seo: dict[str, Any] | None = None


@dataclass
class SourceArticle:
    source_id: str
    title: str
    slug: str | None
    status: str  # the source's own status word; mapped by ImportOptions.status_for
    body: str = ""
    body_format: str = "html"
    excerpt: str | None = None
    published_at: datetime | None = None
    updated_at: datetime | None = None
    authors: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    feature_image: dict[str, Any] | None = None
    seo: dict[str, Any] | None = None
    locale: str | None = None
    translation_group: str | None = None
    old_paths: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # reported, never fatal
    kind: str = "post"  # post | page (both become articles)

    def content_hash(self) -> str:
        return digest(asdict(self))


@dataclass
class SourceRedirect:
    from_path: str
    to_path: str | None
    status_code: int = 301


Item = SourceAuthor | SourceTerm | SourceArticle | SourceRedirect


def digest(value: Any) -> str:
    raw = orjson.dumps(value, option=orjson.OPT_SORT_KEYS, default=str)
    return hashlib.sha256(raw).hexdigest()


@dataclass
class ImportOptions:
    """What the operator chose. ``status_map`` maps a source status to one of
    ``TARGET_STATUSES`` and wins over the format's defaults; ``author_map`` maps a source
    author (login, e-mail or id) to the slug of an existing author."""

    dry_run: bool = False
    batch_size: int = 200
    author_map: dict[str, str] = field(default_factory=dict)
    status_map: dict[str, str] = field(default_factory=dict)
    base_url: str | None = None
    events: str = "summary"  # "summary": one import.completed event; "rows": one per row

    def status_for(self, source_status: str, defaults: dict[str, str]) -> str | None:
        return self.status_map.get(source_status) or defaults.get(source_status)


@dataclass
class Source:
    """A parsed source: its stable name (the idempotency namespace) and its items, twice
    iterable (a validation pass reads everything before the first write)."""

    name: str
    format: str
    items: Callable[[], Iterator[Item]]
    notes: Callable[[], list[str]] = list  # what the last full read noticed (comments, ...)
    problems: Callable[[], list[Any]] = list  # ItemProblems of items the read had to refuse
    # A cheaper full read for the validation pass (items per kind), when the format has one.
    count: Callable[[], dict[str, int]] | None = None

    def iterate(self) -> Iterator[Item]:
        return iter(self.items())
