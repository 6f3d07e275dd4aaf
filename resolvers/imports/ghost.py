"""Ghost JSON export (Settings -> Labs -> Export; Ghost 3, 4 and 5) -> import items.

Mapping (see docs/importing.md): users -> authors (bio, website, Twitter, profile image); public
tags -> tags (internal ``#tags`` skipped); posts and pages -> articles with their ``html`` body,
``custom_excerpt``, feature image (alt text from ``posts_meta`` on Ghost 4.x+), canonical URL and
``posts_meta`` (meta, Open Graph and Twitter) as SEO overrides; bylines and tags in their
``sort_order``. Ghost 3 keeps the meta fields on the post itself and marks pages with
``page: true``; both spellings are read.

Statuses (``--status-map`` overrides): published -> published, scheduled -> published at its
future date, draft -> draft, sent (email-only) -> archived; a post whose ``visibility`` is not
``public`` gets the status ``members``/``paid``/``tiers`` (-> draft: it was not public).

Old URLs (Ghost's default routes, under ``--base-url``'s path): ``/slug/`` and ``/slug/amp/``,
``/tag/slug/``, ``/author/slug/``. Ghost 4+ writes ``__GHOST_URL__`` for its own address;
``--base-url`` replaces it (without it, such links become root-relative).

The export is one JSON document, so it is read whole (not streamed): a 100 MB export needs a
few hundred MB of memory.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from resolvers.imports.items import (
    ImportFileError,
    Item,
    Source,
    SourceArticle,
    SourceAuthor,
    SourceTerm,
)

MAX_FILE_BYTES = 1 << 30
STATUS_DEFAULTS = {
    "published": "published",
    "scheduled": "published",
    "draft": "draft",
    "sent": "archived",
    "members": "draft",
    "paid": "draft",
    "tiers": "draft",
}
PLACEHOLDER = "__GHOST_URL__"
META_FIELDS = {
    "meta_title": "meta_title",
    "meta_description": "meta_description",
    "og_title": "og_title",
    "og_description": "og_description",
    "og_image": "og_image_url",
    "twitter_title": "twitter_title",
    "twitter_description": "twitter_description",
}


def _load(path: Path) -> dict[str, Any]:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ImportFileError(
                f"{path.name} is {size >> 20} MB; Ghost exports are read whole and at most "
                f"{MAX_FILE_BYTES >> 20} MB are accepted. Nothing was imported."
            )
        raw = path.read_bytes()
        document = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            f"{path.name} is not UTF-8 (byte {exc.start}); Ghost exports always are. "
            "Nothing was imported."
        ) from None
    except ValueError as exc:
        raise ImportFileError(
            f"{path.name} is not valid JSON: {exc}. Nothing was imported."
        ) from None
    except OSError as exc:
        raise ImportFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    if isinstance(document, dict) and isinstance(document.get("db"), list) and document["db"]:
        document = document["db"][0]
    if not (isinstance(document, dict) and isinstance(document.get("data"), dict)):
        raise ImportFileError(
            f"{path.name} is not a Ghost export (no db[0].data object). Nothing was imported."
        )
    return document


def _list(data: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = data.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ImportFileError(f"the Ghost export's `{key}` is not a list of objects.")
    return value


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


def _str(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


class GhostExport:
    def __init__(self, path: Path, base_url: str | None = None) -> None:
        self.path = path
        self.base_url = base_url.rstrip("/") if base_url else None
        self.document: dict[str, Any] | None = None
        self.version = "?"
        self.skipped_tags = 0

    def source(self) -> Source:
        self.document = _load(self.path)
        self.version = str((self.document.get("meta") or {}).get("version") or "?")
        name = f"ghost:{self.base_url or 'site'}"
        return Source(name=name, format="ghost", items=self.items, notes=self.notes)

    def notes(self) -> list[str]:
        notes = [f"Ghost export version {self.version}"]
        if self.skipped_tags:
            notes.append(f"{self.skipped_tags} internal tags (#tag) skipped")
        return notes

    def _url(self, value: Any) -> str | None:
        text = _str(value)
        if text is None:
            return None
        return text.replace(PLACEHOLDER, self.base_url or "")

    def _prefix(self) -> str:
        return urlsplit(self.base_url).path.rstrip("/") if self.base_url else ""

    def items(self) -> Iterator[Item]:
        assert self.document is not None
        data = self.document["data"]
        self.skipped_tags = 0
        internal: set[str] = set()
        for user in _list(data, "users"):
            yield self._author(user)
        for tag in _list(data, "tags"):
            name = str(tag.get("name") or "")
            if tag.get("visibility") == "internal" or name.startswith("#"):
                self.skipped_tags += 1
                internal.add(str(tag.get("id")))
                continue
            yield SourceTerm(
                "tag", str(tag.get("id")), name, _str(tag.get("slug")),
                _str(tag.get("description")), None,
                [f"{self._prefix()}/tag/{tag.get('slug')}/"],
                _seo(tag, {}) or None,
            )  # fmt: skip
        links = {
            "author": _ordered(_list(data, "posts_authors"), "author_id"),
            "tag": _ordered(_list(data, "posts_tags"), "tag_id", skip=internal),
        }
        meta = {str(m.get("post_id")): m for m in _list(data, "posts_meta")}
        for post in _list(data, "posts"):
            yield self._article(post, meta.get(str(post.get("id")), {}), links)

    def _author(self, user: dict[str, Any]) -> SourceAuthor:
        slug = _str(user.get("slug"))
        return SourceAuthor(
            source_id=str(user.get("id")), name=str(user.get("name") or slug or ""), slug=slug,
            email=_str(user.get("email")), bio=_str(user.get("bio")),
            website=self._url(user.get("website")), twitter=_str(user.get("twitter")),
            avatar_url=self._url(user.get("profile_image")),
            logins=tuple(x for x in (_str(user.get("email")), slug) if x),
            old_paths=[f"{self._prefix()}/author/{slug}/"] if slug else [],
        )  # fmt: skip

    def _article(
        self, post: dict[str, Any], meta: dict[str, Any], links: dict[str, dict[str, list[str]]]
    ) -> SourceArticle:
        post_id = str(post.get("id"))
        kind = "page" if post.get("type") == "page" or post.get("page") in (True, 1) else "post"
        status = str(post.get("status") or "draft")
        visibility = str(post.get("visibility") or "public")
        notes = []
        if visibility != "public" and status in ("published", "scheduled"):
            status = visibility
            notes.append(f"visibility {visibility!r} on Ghost: imported with status {status!r}")
        authors = links["author"].get(post_id) or (
            [str(post["author_id"])] if post.get("author_id") else []
        )
        image = self._url(post.get("feature_image"))
        merged = {**post, **{k: v for k, v in meta.items() if v}}
        slug = _str(post.get("slug"))
        prefix = self._prefix()
        seo = _seo(merged, {"canonical_url": self._url(post.get("canonical_url"))})
        if "og_image_url" in seo:
            seo["og_image_url"] = self._url(seo["og_image_url"])
        return SourceArticle(
            source_id=post_id, title=str(post.get("title") or ""), slug=slug, status=status,
            body=(self._url(post.get("html")) or ""), excerpt=_str(post.get("custom_excerpt")),
            published_at=_time(post.get("published_at")),
            updated_at=_time(post.get("updated_at")),
            authors=authors, tags=links["tag"].get(post_id, []),
            feature_image={"url": image, "alt": _str(merged.get("feature_image_alt"))}
            if image else None,
            seo=seo or None,
            locale=_str(post.get("locale")),
            old_paths=[f"{prefix}/{slug}/", f"{prefix}/{slug}/amp/"] if slug else [],
            notes=notes, kind=kind,
        )  # fmt: skip


def _ordered(
    rows: list[dict[str, Any]], key: str, skip: set[str] | None = None
) -> dict[str, list[str]]:
    by_post: dict[str, list[tuple[int, str]]] = {}
    for row in rows:
        if skip and str(row.get(key)) in skip:
            continue
        order = row.get("sort_order") or 0
        by_post.setdefault(str(row.get("post_id")), []).append(
            (int(order) if isinstance(order, int) else 0, str(row.get(key)))
        )
    return {post: [i for _, i in sorted(pairs)] for post, pairs in by_post.items()}


def _seo(row: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    seo = {ours: _str(row.get(theirs)) for theirs, ours in META_FIELDS.items()}
    seo.update(extra)
    return {k: v for k, v in seo.items() if v is not None}
