"""WordPress eXtended RSS (WXR 1.1/1.2, Tools -> Export) -> import items.

Mapping (see docs/importing.md): users -> authors; categories (nested ones flattened, their
nested archive paths redirected) and tags -> terms; posts and pages -> articles; attachments
give featured images (URL, alt text, width and height); comments are counted, not imported;
nav menu items, revisions and other post types are skipped and counted.

Statuses (``--status-map`` overrides): publish -> published, future -> published with its future
date (scheduled), draft/pending/private -> draft, trash/auto-draft/inherit -> skipped; a
password-protected item has the status ``password`` (-> draft: it was not public).

Every permalink form an item had becomes a 301 to its new path: its ``<link>``, ``?p=ID`` /
``?page_id=ID``, ``/YYYY/MM/DD/slug/``, ``/YYYY/MM/slug/``, ``/archives/ID`` and ``/slug/``;
category (``/category/parent/child/``, ``?cat=ID``), tag (``/tag/slug/``, ``?tag=slug``) and
author (``/author/login/``, ``?author=ID``) archives.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from lxml import etree

from resolvers.content.slugs import make_slug
from resolvers.imports import wp_content
from resolvers.imports.hardened_xml import stream, text
from resolvers.imports.items import (
    ImportFileError,
    Item,
    Source,
    SourceArticle,
    SourceAuthor,
    SourceTerm,
)
from resolvers.site import plain_text

NS = {
    "wp": "http://wordpress.org/export/{v}/",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "excerpt": "http://wordpress.org/export/{v}/excerpt/",
    "dc": "http://purl.org/dc/elements/1.1/",
}
VERSIONS = ("1.2", "1.1", "1.0")
STATUS_DEFAULTS = {
    "publish": "published",
    "future": "published",
    "draft": "draft",
    "pending": "draft",
    "private": "draft",
    "password": "draft",
    "trash": "skip",
    "auto-draft": "skip",
    "inherit": "skip",
}
ARTICLE_TYPES = ("post", "page")


def _q(prefix: str, name: str, version: str) -> str:
    return "{" + NS[prefix].format(v=version) + "}" + name


@dataclass
class _Channel:
    base_url: str = ""
    site_name: str = ""
    version: str = "1.2"
    category_paths: dict[str, str] = field(default_factory=dict)  # nicename -> nested path
    category_ids: dict[str, str] = field(default_factory=dict)  # term_id -> nicename


@dataclass
class _Attachment:
    url: str
    alt: str | None
    width: int | None
    height: int | None


class WordPressExport:
    """One WXR file, read twice (validation pass, then writing) and never held in memory."""

    def __init__(self, path: Path, base_url: str | None = None) -> None:
        self.path = path
        self.base_override = base_url.rstrip("/") if base_url else None
        self.channel = _Channel()
        self.attachments: dict[str, _Attachment] = {}
        self.skipped_types: dict[str, int] = {}
        self.comments = 0
        self.sticky = 0

    def source(self) -> Source:
        name = self._peek_base()
        return Source(
            name=f"wordpress:{name}", format="wordpress", items=self.items, notes=self.notes,
            count=self.count,
        )  # fmt: skip

    def _peek_base(self) -> str:
        if self.base_override:
            return self.base_override
        with closing(stream(self.path, 2)) as elements:
            for element in elements:
                if etree.QName(element).localname == "base_site_url":
                    return (element.text or "").strip().rstrip("/") or self.path.name
                if element.tag == "item":
                    break
        raise ImportFileError(
            f"{self.path.name} is not a WordPress export (no <wp:base_site_url> before the first "
            "<item>); pass --base-url to name the old site. Nothing was imported."
        )

    def items(self) -> Iterator[Item]:
        self.skipped_types, self.comments, self.sticky = {}, 0, 0
        saw_wxr = False
        for element in stream(self.path, 2):
            local = etree.QName(element).localname
            if local == "wxr_version":
                saw_wxr = True
                self.channel.version = (element.text or "1.2").strip()
            elif local == "base_site_url":
                self.channel.base_url = self.base_override or (element.text or "").strip()
            elif local == "title":
                self.channel.site_name = (element.text or "").strip()
            elif local == "author":
                yield self._author(element)
            elif local in ("category", "tag"):
                yield self._term(element, local)
            elif local == "item":
                if not saw_wxr:
                    raise ImportFileError(
                        f"{self.path.name} is not a WordPress export: no <wp:wxr_version> "
                        "before the first <item> (export it with Tools -> Export). Nothing was imported."
                    )
                article = self._item(element)
                if article is not None:
                    yield article
        if not saw_wxr:
            raise ImportFileError(
                f"{self.path.name} is not a WordPress export (no <wp:wxr_version>). "
                "Nothing was imported."
            )

    def count(self) -> dict[str, int]:
        """The validation pass: the whole file parsed (and refused if it must be), items counted
        by kind, attachments collected (a featured image may come after its post)."""
        counts: dict[str, int] = {}
        saw_wxr = False
        for element in stream(self.path, 2):
            local = etree.QName(element).localname
            if local == "wxr_version":
                saw_wxr = True
                self.channel.version = (element.text or "1.2").strip()
            elif local in ("author", "category", "tag"):
                counts[local] = counts.get(local, 0) + 1
            elif local == "item":
                post_type = self._wp(element, "post_type") or "post"
                if post_type == "attachment":
                    self._attachment(element, self._wp(element, "post_id"), self._meta(element))
                elif post_type in ARTICLE_TYPES:
                    counts["article"] = counts.get("article", 0) + 1
        if not saw_wxr:
            raise ImportFileError(
                f"{self.path.name} is not a WordPress export (no <wp:wxr_version>). "
                "Nothing was imported."
            )
        return counts

    # -- channel-level items ------------------------------------------------------------------

    def _wp(self, element: Any, name: str) -> str:
        return text(element.find(_q("wp", name, self.channel.version))).strip()

    def _prefix(self) -> str:
        """The path of the old site's root (a WordPress in /blog has /blog/...)."""
        return urlsplit(self.channel.base_url).path.rstrip("/")

    def _author(self, element: Any) -> SourceAuthor:
        login = self._wp(element, "author_login")
        wp_id = self._wp(element, "author_id")
        first, last = self._wp(element, "author_first_name"), self._wp(element, "author_last_name")
        name = self._wp(element, "author_display_name") or f"{first} {last}".strip() or login
        email = self._wp(element, "author_email") or None
        base = self._prefix()
        nicename = make_slug(login)
        paths = [f"{base}/author/{nicename}/"] + ([f"{base}/?author={wp_id}"] if wp_id else [])
        return SourceAuthor(
            source_id=login, name=name, slug=nicename, email=email,
            logins=tuple(x for x in (email, wp_id) if x), old_paths=paths,
        )  # fmt: skip

    def _term(self, element: Any, local: str) -> SourceTerm:
        base = self._prefix()
        term_id = self._wp(element, "term_id")
        if local == "category":
            slug = self._wp(element, "category_nicename")
            parent = self._wp(element, "category_parent") or None
            nested = f"{self.channel.category_paths[parent]}/{slug}" if parent in (
                self.channel.category_paths) else slug  # fmt: skip
            self.channel.category_paths[slug] = nested
            if term_id:
                self.channel.category_ids[term_id] = slug
            paths = [f"{base}/category/{nested}/"] + ([f"{base}/?cat={term_id}"] if term_id else [])
            return SourceTerm(
                "category", slug, html.unescape(self._wp(element, "cat_name")) or slug, slug,
                self._wp(element, "category_description") or None, parent, paths,
            )  # fmt: skip
        slug = self._wp(element, "tag_slug")
        return SourceTerm(
            "tag", slug, html.unescape(self._wp(element, "tag_name")) or slug, slug,
            self._wp(element, "tag_description") or None, None,
            [f"{base}/tag/{slug}/", f"{base}/?tag={slug}"],
        )  # fmt: skip

    # -- items ----------------------------------------------------------------------------------

    def _item(self, element: Any) -> SourceArticle | None:
        post_type = self._wp(element, "post_type") or "post"
        post_id = self._wp(element, "post_id")
        meta = self._meta(element)
        if post_type == "attachment":
            self._attachment(element, post_id, meta)
            return None
        if post_type not in ARTICLE_TYPES:
            self.skipped_types[post_type] = self.skipped_types.get(post_type, 0) + 1
            return None
        return self._article(element, post_type, post_id, meta)

    def _meta(self, element: Any) -> dict[str, str]:
        v = self.channel.version
        meta: dict[str, str] = {}
        for entry in element.iterfind(_q("wp", "postmeta", v)):
            key = text(entry.find(_q("wp", "meta_key", v)))
            meta[key] = text(entry.find(_q("wp", "meta_value", v)))
        return meta

    def _attachment(self, element: Any, post_id: str, meta: dict[str, str]) -> None:
        url = self._wp(element, "attachment_url") or text(element.find("guid")).strip()
        info = meta.get("_wp_attachment_metadata", "")
        self.attachments[post_id] = _Attachment(
            url=url,
            alt=(meta.get("_wp_attachment_image_alt") or "").strip() or None,
            width=wp_content.php_int(info, "width"),
            height=wp_content.php_int(info, "height"),
        )

    def _article(
        self, element: Any, post_type: str, post_id: str, meta: dict[str, str]
    ) -> SourceArticle:
        v = self.channel.version
        title = plain_text(text(element.find("title")))  # titles are plain text here
        body, notes = wp_content.clean_body(text(element.find(_q("content", "encoded", v))))
        excerpt = text(element.find(_q("excerpt", "encoded", v))).strip() or None
        status = self._wp(element, "status") or "draft"
        if self._wp(element, "post_password"):
            status = "password"
            notes.append("password-protected on WordPress: imported with status 'password'")
        if self._wp(element, "is_sticky") == "1":
            self.sticky += 1
            notes.append("sticky on WordPress: there is no sticky flag here")
        comments = len(element.findall(_q("wp", "comment", v)))
        self.comments += comments
        published = _gmt(self._wp(element, "post_date_gmt"))
        local_date = self._wp(element, "post_date")
        categories, tags = [], []
        for term in element.iterfind("category"):
            nicename = term.get("nicename") or make_slug(term.text or "")
            if term.get("domain") == "category":
                categories.append(nicename)
            elif term.get("domain") == "post_tag":
                tags.append(nicename)
        primary = self.channel.category_ids.get(wp_content.primary_category(meta) or "")
        if primary in categories:
            categories.remove(primary)
            categories.insert(0, primary)
        slug = self._wp(element, "post_name") or None

        def context() -> dict[str, str]:
            return wp_content.seo_context(
                title, excerpt, body, self.channel.site_name,
                categories[0] if categories else None, local_date[:10],
            )  # fmt: skip

        return SourceArticle(
            source_id=post_id, title=title, slug=slug, status=status, body=body,
            excerpt=excerpt, published_at=published,
            updated_at=_gmt(self._wp(element, "post_modified_gmt")) or published,
            authors=[text(element.find(_q("dc", "creator", v))).strip()],
            categories=categories, tags=tags,
            feature_image=self._feature_image(meta.get("_thumbnail_id")),
            seo=wp_content.seo_from_meta(meta, context),
            old_paths=self._old_paths(element, post_type, post_id, slug, local_date),
            notes=notes, kind=post_type,
        )  # fmt: skip

    def _feature_image(self, thumbnail_id: str | None) -> dict[str, Any] | None:
        found = self.attachments.get(thumbnail_id or "")
        if found is None or not found.url:
            return None
        return {"url": found.url, "alt": found.alt, "width": found.width, "height": found.height}

    def _old_paths(
        self, element: Any, post_type: str, post_id: str, slug: str | None, local_date: str
    ) -> list[str]:
        base = self._prefix()
        paths = []
        link = text(element.find("link")).strip()
        if link:
            parts = urlsplit(link)
            paths.append(parts.path + (f"?{parts.query}" if parts.query else ""))
        if post_type == "page":
            return [*paths, f"{base}/?page_id={post_id}"]
        paths.append(f"{base}/?p={post_id}")
        if slug and len(local_date) >= 10:
            year, month, day = local_date[:4], local_date[5:7], local_date[8:10]
            paths += [
                f"{base}/{year}/{month}/{day}/{slug}/",
                f"{base}/{year}/{month}/{slug}/",
                f"{base}/{slug}/",
            ]
        return [*paths, f"{base}/archives/{post_id}"]

    def notes(self) -> list[str]:
        notes = []
        if self.comments:
            notes.append(f"{self.comments} comments ignored (comments are not imported)")
        for post_type, n in sorted(self.skipped_types.items()):
            notes.append(f"{n} items of type {post_type!r} skipped")
        if self.sticky:
            notes.append(f"{self.sticky} sticky posts: there is no sticky flag here")
        return notes


def _gmt(value: str) -> datetime | None:
    if not value or value.startswith("0000"):
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        return None
