"""A folder of Markdown files with front matter (Hugo, Jekyll, Eleventy) -> import items.

Each ``*.md``/``*.markdown`` file is one article (its path relative to the folder is its source
id); Hugo's ``_index.md`` section pages and files under ``_``-folders other than ``_posts`` and
``_drafts`` are skipped. Front matter is YAML (``---``) or TOML (``+++``, Hugo).

Fields, with the generators' spellings: title; slug (else Jekyll's ``YYYY-MM-DD-slug`` file name,
else the file name); date; updated/lastmod/last_modified_at; author/authors; tags; categories;
description/summary/excerpt; draft (or Jekyll ``published: false``, or the ``_drafts`` folder);
locale/lang/language; translationKey/translation_key; image/cover/feature_image (a URL, or
``{url/src/image, alt}``); aliases/redirect_from/permalink/url -> 301s (plus Hugo's default
``/<section>/<slug>/``). Authors come from ``authors.yaml|yml|toml`` in the folder, ``data/`` or
``_data/`` (Hugo/Jekyll/Eleventy data files: key -> name, bio, email, website, twitter, avatar),
and the site config's ``author`` (``config.*``, ``hugo.*``, ``_config.yml``) is the default byline.

A file that cannot be read (encoding, front matter syntax, wrong field types) is reported and
skipped; the rest import.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml

from resolvers.content.slugs import make_slug
from resolvers.imports.items import (
    ImportFileError,
    Item,
    Source,
    SourceArticle,
    SourceAuthor,
    SourceTerm,
)
from resolvers.imports.report import ItemProblem

STATUS_DEFAULTS = {"published": "published", "draft": "draft"}
MAX_FILE_BYTES = 2_000_000
MAX_FRONT_MATTER = 64_000
AUTHOR_FILES = ("authors.yaml", "authors.yml", "authors.toml", "authors.json")
CONFIG_FILES = ("hugo.yaml", "hugo.toml", "config.yaml", "config.yml", "config.toml", "_config.yml")
SECTION_SKIP = {"_index.md"}


class FrontMatterError(ValueError):
    pass


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """(front matter, Markdown body); a file without front matter has an empty one."""
    text = text.lstrip("\ufeff")
    fence = text[:3]
    if fence not in ("---", "+++") or text[3:4] not in ("\n", "\r"):
        return {}, text
    end = text.find(f"\n{fence}", 3)
    if end < 0:
        raise FrontMatterError(f"the front matter opened with {fence} is never closed")
    raw, body = text[4:end], text[end + 4 :].lstrip("\r\n")
    if len(raw) > MAX_FRONT_MATTER:
        raise FrontMatterError(f"the front matter is longer than {MAX_FRONT_MATTER} characters")
    try:
        data = tomllib.loads(raw) if fence == "+++" else yaml.safe_load(raw)
    except (yaml.YAMLError, tomllib.TOMLDecodeError) as exc:
        detail = " ".join(str(exc).split())[:300]
        raise FrontMatterError(f"the front matter is not valid: {detail}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise FrontMatterError("the front matter must be a mapping of fields")
    return data, body


def _text(meta: dict[str, Any], *keys: str) -> str | None:
    for key in keys:
        value = meta.get(key)
        if value is None:
            continue
        if isinstance(value, bool | list | dict):
            raise FrontMatterError(f"`{key}` must be text")
        return str(value).strip() or None
    return None


def _words(meta: dict[str, Any], *keys: str) -> list[str]:
    for key in keys:
        value = meta.get(key)
        if value is None:
            continue
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
            return [str(v).strip() for v in value if str(v).strip()]
        raise FrontMatterError(f"`{key}` must be text or a list of text")
    return []


def _when(meta: dict[str, Any], *keys: str) -> datetime | None:
    for key in keys:
        value = meta.get(key)
        if value is None:
            continue
        if isinstance(value, datetime):
            return value if value.tzinfo else value.replace(tzinfo=UTC)
        if isinstance(value, date):
            return datetime(value.year, value.month, value.day, tzinfo=UTC)
        if isinstance(value, str):
            try:
                parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            except ValueError:
                raise FrontMatterError(f"`{key}` is not a date: {value[:40]!r}") from None
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        raise FrontMatterError(f"`{key}` is not a date")
    return None


class MarkdownFolder:
    def __init__(self, root: Path, base_url: str | None = None) -> None:
        if not root.is_dir():
            raise ImportFileError(f"{root} is not a folder of Markdown files.")
        self.root = root
        self.base_url = base_url.rstrip("/") if base_url else None
        self.problems: list[ItemProblem] = []
        self.skipped = 0

    def source(self) -> Source:
        name = f"markdown:{self.base_url or self.root.resolve()}"
        return Source(
            name=name, format="markdown", items=self.items, notes=self.notes,
            problems=lambda: list(self.problems),
        )  # fmt: skip

    def notes(self) -> list[str]:
        return [f"{self.skipped} section/index files skipped"] if self.skipped else []

    def _data_file(self, names: tuple[str, ...]) -> dict[str, Any]:
        for folder in (self.root, self.root / "data", self.root / "_data", self.root.parent):
            for name in names:
                path = folder / name
                if path.is_file():
                    text = path.read_text(encoding="utf-8")
                    data = tomllib.loads(text) if name.endswith(".toml") else yaml.safe_load(text)
                    return data if isinstance(data, dict) else {}
        return {}

    def _authors(self) -> tuple[list[SourceAuthor], str | None]:
        try:
            people = self._data_file(AUTHOR_FILES)
            config = self._data_file(CONFIG_FILES)
        except (OSError, UnicodeDecodeError, yaml.YAMLError, tomllib.TOMLDecodeError) as exc:
            raise ImportFileError(f"cannot read the authors or site config file: {exc}") from None
        authors = []
        for key, info in people.items():
            info = info if isinstance(info, dict) else {"name": str(info)}
            avatar = info.get("avatar") or info.get("image")
            authors.append(
                SourceAuthor(
                    source_id=str(key),
                    name=str(info.get("name") or key),
                    slug=make_slug(str(key)),
                    email=info.get("email"),
                    bio=info.get("bio"),
                    website=info.get("website"),
                    twitter=info.get("twitter"),
                    avatar_url=avatar if isinstance(avatar, str) else None,
                )
            )
        default = config.get("author") or (config.get("params") or {}).get("author")
        if isinstance(default, dict):
            default = default.get("name")
        if isinstance(default, str) and default not in people:
            authors.append(SourceAuthor(source_id=default, name=default, slug=make_slug(default)))
        return authors, default if isinstance(default, str) else None

    def _files(self) -> Iterator[Path]:
        for path in sorted(self.root.rglob("*")):
            if path.suffix.lower() not in (".md", ".markdown") or not path.is_file():
                continue
            parts = path.relative_to(self.root).parts
            hidden = any(p.startswith("_") and p not in ("_posts", "_drafts") for p in parts[:-1])
            if path.name in SECTION_SKIP or hidden or any(p.startswith(".") for p in parts):
                self.skipped += 1
                continue
            yield path

    def items(self) -> Iterator[Item]:
        self.problems, self.skipped = [], 0
        authors, default_author = self._authors()
        yield from authors
        known = {a.source_id for a in authors}
        articles: list[SourceArticle] = []
        terms: dict[tuple[str, str], str] = {}
        for path in self._files():
            article = self._read(path, default_author)
            if article is None:
                continue
            for kind, names in (("category", article.categories), ("tag", article.tags)):
                for name in names:
                    terms.setdefault((kind, name), name)
            for name in article.authors:
                if name not in known:
                    known.add(name)
                    yield SourceAuthor(source_id=name, name=name, slug=make_slug(name))
            articles.append(article)
        for (kind, name), label in sorted(terms.items()):
            prefix = "categories" if kind == "category" else "tags"
            yield SourceTerm(kind, name, label, make_slug(name), old_paths=[
                f"{self._prefix()}/{prefix}/{make_slug(name)}/"])  # fmt: skip
        yield from articles

    def _prefix(self) -> str:
        from urllib.parse import urlsplit

        return urlsplit(self.base_url).path.rstrip("/") if self.base_url else ""

    def _read(self, path: Path, default_author: str | None) -> SourceArticle | None:
        rel = path.relative_to(self.root).as_posix()
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                raise FrontMatterError(f"the file is larger than {MAX_FILE_BYTES} bytes")
            meta, body = split_front_matter(path.read_text(encoding="utf-8"))
            return self._article(rel, path, meta, body, default_author)
        except UnicodeDecodeError as exc:
            message = f"not UTF-8 (byte {exc.start}); save it as UTF-8"
            self.problems.append(
                ItemProblem("markdown", rel, path.name, "INVALID_ENCODING", message)
            )
        except FrontMatterError as exc:
            self.problems.append(
                ItemProblem("markdown", rel, path.name, "INVALID_FRONT_MATTER", str(exc))
            )
        return None

    def _article(
        self, rel: str, path: Path, meta: dict[str, Any], body: str, default_author: str | None
    ) -> SourceArticle:
        stem = path.stem
        jekyll_date = None
        if len(stem) > 11 and stem[:10].count("-") == 2 and stem[10] == "-":
            jekyll_date, stem = stem[:10], stem[11:]
        slug = _text(meta, "slug") or make_slug(stem)
        draft = meta.get("draft") is True or meta.get("published") is False
        draft = draft or "_drafts" in path.relative_to(self.root).parts
        published = _when(meta, "date", "publishDate", "pubDate") or (
            _when({"d": jekyll_date}, "d") if jekyll_date else None
        )
        authors = _words(meta, "authors", "author") or ([default_author] if default_author else [])
        image = meta.get("image") or meta.get("cover") or meta.get("feature_image")
        images = meta.get("images")
        if image is None and isinstance(images, list) and images:
            image = images[0]  # Hugo: the first of `images` is the social image
        seo: dict[str, Any] = {}
        if _text(meta, "canonical_url", "canonicalURL", "canonical"):
            seo["canonical_url"] = _text(meta, "canonical_url", "canonicalURL", "canonical")
        if meta.get("noindex") is True:
            seo["robots_index"] = False
        if _text(meta, "meta_title", "seo_title"):
            seo["meta_title"] = _text(meta, "meta_title", "seo_title")
        return SourceArticle(
            source_id=rel, title=_text(meta, "title") or stem.replace("-", " ").title(),
            slug=slug, status="draft" if draft else "published", body=body, body_format="markdown",
            excerpt=_text(meta, "description", "summary", "excerpt"), published_at=published,
            updated_at=_when(meta, "updated", "lastmod", "last_modified_at", "modified"),
            authors=authors, categories=_words(meta, "categories", "category"),
            tags=_words(meta, "tags", "keywords"), feature_image=_image(image), seo=seo or None,
            locale=_text(meta, "locale", "lang", "language"),
            translation_group=_text(meta, "translationKey", "translation_key"),
            old_paths=self._old_paths(rel, slug, meta),
        )  # fmt: skip

    def _old_paths(self, rel: str, slug: str, meta: dict[str, Any]) -> list[str]:
        prefix = self._prefix()
        paths = [
            p if p.startswith("/") else f"/{p}" for p in _words(meta, "aliases", "redirect_from")
        ]
        for key in ("permalink", "url"):
            value = meta.get(key)
            if isinstance(value, str) and value.startswith("/"):
                paths.append(value)
        parts = Path(rel).parts[:-1]
        if parts[:1] == ("content",):  # Hugo: sections are folders below content/
            parts = parts[1:]
        section = "/".join(parts)
        if section and not section.startswith("_"):
            paths.append(f"{prefix}/{section}/{slug}/")
        return paths


def _image(value: Any) -> dict[str, Any] | None:
    if isinstance(value, str) and value.strip():
        return {"url": value.strip()}
    if isinstance(value, dict):
        url = value.get("url") or value.get("src") or value.get("image")
        if isinstance(url, str):
            alt = value.get("alt") or value.get("caption")
            return {"url": url, "alt": alt if isinstance(alt, str) else None}
    return None
