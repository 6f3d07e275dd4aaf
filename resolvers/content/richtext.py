"""Rich text in: Markdown rendering, refusal of active content, and nh3 sanitising.

Two layers, on purpose. ``find_active_content`` refuses input that carries scripts, event
handlers, ``javascript:`` URLs, embedded frames or ``<style>`` blocks, so an editor learns their
embed did not survive instead of finding it silently gone. ``sanitize_html`` (nh3, an allow-list
sanitiser) then cleans whatever is stored regardless — it is the security boundary, the check is
the courtesy. Harmless leftovers (``style`` attributes, unknown tags, comments) are removed
silently.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import nh3
from markdown_it import MarkdownIt

from resolvers.commands import Problems
from resolvers.site import plain_text, reading_time_minutes
from resolvers.validation import within_length

MAX_BODY = 200_000  # characters of input; a long-read is ~60,000
ACTIVE_TAGS = {
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "base",
    "link", "meta", "form",
}  # fmt: skip
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "poster", "background"}
_BAD_SCHEME = re.compile(r"^(javascript|vbscript|data):", re.IGNORECASE)
_IGNORED_IN_URL = re.compile(r"[\x00-\x20]+")

ALLOWED_ATTRIBUTES = {
    **{tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()},
}
ALLOWED_ATTRIBUTES["a"] = ALLOWED_ATTRIBUTES.get("a", set()) | {"title"}
ALLOWED_ATTRIBUTES["img"] = ALLOWED_ATTRIBUTES.get("img", set()) | {"title", "loading"}
URL_SCHEMES = {"http", "https", "mailto"}

_markdown = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


class _ActiveContentFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def _note(self, what: str) -> None:
        if what not in self.found:
            self.found.append(what)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ACTIVE_TAGS:
            self._note(f"<{tag}> element")
        for name, value in attrs:
            # Browsers ignore whitespace and control characters inside a URL's scheme.
            url = _IGNORED_IN_URL.sub("", value or "")
            if name.startswith("on"):
                self._note(f"{name} event handler")
            elif name in URL_ATTRIBUTES and _BAD_SCHEME.match(url):
                self._note(f"{url.split(':', 1)[0].lower()}: URL")

    handle_startendtag = handle_starttag


def find_active_content(markup: str) -> list[str]:
    finder = _ActiveContentFinder()
    finder.feed(markup)
    finder.close()
    return finder.found


def sanitize_html(markup: str) -> str:
    return nh3.clean(
        markup,
        attributes=ALLOWED_ATTRIBUTES,
        clean_content_tags={"script", "style"},
        url_schemes=URL_SCHEMES,
        strip_comments=True,
        link_rel="noopener noreferrer",
    ).strip()


def render_markdown(text: str) -> str:
    return str(_markdown.render(text))


def check_rich_text(
    problems: Problems, path: tuple[str, ...], value: str | None, fmt: str, max_length: int
) -> str | None:
    """HTML or Markdown in, sanitised HTML out; active content is a coded problem."""
    if value is None:
        return None
    if not within_length(problems, path, value, max_length):
        return None
    markup = render_markdown(value) if fmt == "markdown" else value
    active = find_active_content(markup)
    if active:
        problems.add(
            path,
            f"`{path[-1]}` contains active content that is not allowed: {', '.join(active)}. "
            "Remove it and send the text again.",
            "UNSAFE_HTML",
        )
        return None
    return sanitize_html(markup)


def check_plain(
    problems: Problems, path: tuple[str, ...], value: str | None, max_length: int
) -> str | None:
    """Plain text fields (excerpts, descriptions): markup is dropped, entities decoded."""
    if value is None:
        return None
    text = plain_text(value)
    within_length(problems, path, text, max_length)
    return text or None


__all__ = ["check_plain", "check_rich_text", "reading_time_minutes", "sanitize_html"]
