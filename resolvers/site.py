"""Site-wide facts the domain rules need: base URL, name, URL patterns, SEO templates."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import lxml.etree
import lxml.html

# The {category} segment of an article that has no category yet.
UNCATEGORIZED = "uncategorized"


PATTERNS = {kind: f"{kind}_path" for kind in ("article", "author", "category", "tag")}


@dataclass(frozen=True, slots=True)
class Site:
    url: str = "http://127.0.0.1:8000"
    name: str = "Content Gateway"
    default_locale: str = "en"
    # the other locales the site serves (GATEWAY_LOCALES); see served_locales
    locales: tuple[str, ...] = ()
    locale_from_accept_language: bool = False
    title_template: str | None = None  # "%s | <site name>" when None
    article_path: str = "/articles/{slug}"
    author_path: str = "/authors/{slug}"
    category_path: str = "/categories/{slug}"
    tag_path: str = "/tags/{slug}"
    description: str | None = None
    logo_url: str | None = None
    default_image_url: str | None = None
    twitter_site: str | None = None  # handle without @
    article_type: str = "BlogPosting"
    # Editorial workflow: authors submit drafts for review, editors approve or ask for changes.
    review_workflow: bool = False
    trash_days: float = 30.0  # a deleted article stays restorable this long
    # og:locale of a bare language ("en" -> "en_US"); see og_locale
    og_locales: tuple[tuple[str, str], ...] = ()
    # hosts whose https <iframe> embeds bodies may carry (GATEWAY_EMBED_HOSTS)
    embed_hosts: tuple[str, ...] = ()
    archive_page_size: int = 10  # articles per archive page in `route`
    paged_title_template: str = "{title} - Page {page}"
    noindex_paged: bool = False  # archive pages 2+ are noindex

    def pattern(self, kind: str) -> str:
        """The path pattern of ``kind`` (article, author, category, tag): ``<kind>_path``."""
        pattern: str = getattr(self, PATTERNS[kind])
        return pattern

    @property
    def served_locales(self) -> tuple[str, ...]:
        """Every locale the site serves, the default first (translations may use these)."""
        rest = tuple(loc for loc in self.locales if loc != self.default_locale)
        return (self.default_locale, *rest)

    @property
    def article_needs_category(self) -> bool:
        """Article paths contain the primary category's slug (``/{category}/{slug}``)."""
        return "{category}" in self.article_path

    def path(
        self, kind: str, slug: str, locale: str | None = None, category: str | None = None
    ) -> str:
        """The canonical path; articles in a non-default locale get a ``/<locale>`` prefix."""
        pattern = self.pattern(kind)
        if "{category}" in pattern:
            path = pattern.format(slug=slug, category=category or UNCATEGORIZED)
        else:
            path = pattern.format(slug=slug)
        if locale and locale != self.default_locale:
            path = f"/{locale}{path}"
        return path

    def serves_locale(self, locale: str) -> bool:
        """Whether ``locale`` has home and archive paths (the default one, or a configured one)."""
        return locale == self.default_locale or locale in self.locales

    def paged_title(self, title: str, page: int, pages: int) -> str:
        """The name of archive page ``page`` (2 and later) before the title template."""
        template = self.paged_title_template
        return (
            template.replace("{title}", title)
            .replace("{pages}", str(pages))
            .replace("{page}", str(page))
        )

    @property
    def home_url(self) -> str:
        return self.url + "/"

    def locale_home_url(self, locale: str | None) -> str:
        """The home page of ``locale``: ``/`` for the default one (or none), else ``/<locale>``."""
        if locale is None or locale == self.default_locale:
            return self.home_url
        return self.absolute(f"/{locale}")

    def absolute(self, path: str) -> str:
        return self.url + path

    def title(self, title: str) -> str:
        template = self.title_template or f"%s | {self.name}"
        return template.replace("%s", title)


_SPACE = re.compile(r"\s+")


# Elements that start a new line when rendered: their text never runs into a neighbour's.
_BLOCKS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "dd",
        "details",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
        "video",
        "audio",
        "iframe",
    ]
)
_HIDDEN = frozenset({"script", "style", "template", "noscript"})


# plain_text is pure and the same bodies are read again and again (a home page's 20 newest
# articles, an article page): their text is kept for the most recent ones, up to a size.
PLAIN_TEXT_CACHE = 256  # bodies up to the size below: at most ~32 MB of text in the worst case
PLAIN_TEXT_CACHE_MAX_CHARS = 64 * 1024


def plain_text(markup: str) -> str:
    """Visible text of an HTML fragment, as a reader sees it: parsed by a real HTML parser,
    entities decoded, blocks (headings, paragraphs, list items, cells, line breaks) separated
    by a space, script/style content dropped, whitespace collapsed. Every description built
    from a body (meta, Open Graph, Twitter, JSON-LD, feeds) goes through here."""
    if not markup:
        return ""
    if len(markup) > PLAIN_TEXT_CACHE_MAX_CHARS:
        return _plain_text(markup)
    return _recent_plain_text(markup)


def _plain_text(markup: str) -> str:
    if not markup or not markup.strip():
        return ""
    if "<" not in markup and "&" not in markup:
        return _SPACE.sub(" ", markup).strip()
    try:
        root = lxml.html.fragment_fromstring(markup, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return _SPACE.sub(" ", html.unescape(markup)).strip()
    parts: list[str] = []
    # An explicit stack (no recursion): a deeply nested body cannot exhaust the call stack.
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        element, closing = stack.pop()
        tag = element.tag if isinstance(element.tag, str) else None
        block = tag in _BLOCKS
        if closing:
            if block:
                parts.append(" ")
            if element.tail and element is not root:
                parts.append(element.tail)
            continue
        if block:
            parts.append(" ")
        stack.append((element, True))
        if tag is None or tag in _HIDDEN:
            continue  # a comment or hidden content: only its tail is text
        if element.text:
            parts.append(element.text)
        stack.extend((child, False) for child in reversed(element))
    return _SPACE.sub(" ", "".join(parts)).strip()


_recent_plain_text = lru_cache(maxsize=PLAIN_TEXT_CACHE)(_plain_text)


def cut_at_word(text: str, limit: int = 160) -> str:
    """At most ``limit`` characters, cut at a word boundary, with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,.;:-") + "…"


WORDS_PER_MINUTE = 230


def reading_time_minutes(markup: str) -> int:
    words = len(plain_text(markup).split())
    return max(1, round(words / WORDS_PER_MINUTE))
