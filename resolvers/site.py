"""Site-wide facts the domain rules need: base URL, name, URL patterns, SEO templates."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import nh3

# The {category} segment of an article that has no category yet.
UNCATEGORIZED = "uncategorized"


@dataclass(frozen=True, slots=True)
class Site:
    url: str = "http://127.0.0.1:8000"
    name: str = "Content Gateway"
    default_locale: str = "en"
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

    def pattern(self, kind: str) -> str:
        return {
            "article": self.article_path,
            "author": self.author_path,
            "category": self.category_path,
            "tag": self.tag_path,
        }[kind]

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

    @property
    def home_url(self) -> str:
        return self.url + "/"

    def absolute(self, path: str) -> str:
        return self.url + path

    def title(self, title: str) -> str:
        template = self.title_template or f"%s | {self.name}"
        return template.replace("%s", title)


_SPACE = re.compile(r"\s+")


def plain_text(markup: str) -> str:
    """Visible text of an HTML fragment: tags removed, entities decoded, whitespace collapsed."""
    stripped = nh3.clean(markup, tags=set(), clean_content_tags={"script", "style"})
    return _SPACE.sub(" ", html.unescape(stripped)).strip()


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
