"""The HTML allow-list every stored body and bio goes through (nh3), and what it removed.

Kept beyond nh3's defaults: ``language-*`` classes on ``<pre>``/``<code>`` (syntax highlighters
read them), ``<video>``/``<audio>``/``<source>`` with playback attributes and http(s) URLs, and
responsive ``<img>`` attributes (``width``/``height``/``srcset``/``sizes``/``loading``/
``decoding``) and ``data-asset-id`` (a library image, completed on output), and
``<iframe>`` embeds whose ``https`` source is on the site's embed host allow-list
(``GATEWAY_EMBED_HOSTS``; empty by default, so embeds are refused until an operator lists
hosts such as ``www.youtube-nocookie.com`` or ``player.vimeo.com``).

``removed`` compares the markup before and after: every element, attribute, class or comment
the sanitiser dropped is reported to the writer (the mutation's ``warnings``), never silently.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from html.parser import HTMLParser
from urllib.parse import urlsplit

import nh3

MEDIA_ATTRIBUTES = {
    "video": {"src", "poster", "controls", "width", "height", "loop", "muted", "playsinline",
              "preload"},
    "audio": {"src", "controls", "loop", "muted", "preload"},
    "source": {"src", "type", "media"},
}  # fmt: skip
IFRAME_ATTRIBUTES = {"src", "width", "height", "title", "allow", "allowfullscreen", "loading"}
# Responsive images, and ``data-asset-id`` naming a library image (``resolvers.media.html``).
IMG_ATTRIBUTES = {"title", "width", "height", "srcset", "sizes", "loading", "decoding",
                  "data-asset-id"}  # fmt: skip
IMG_KEYWORDS = {"loading": {"lazy", "eager"}, "decoding": {"async", "sync", "auto"}}
URL_SCHEMES = {"http", "https", "mailto"}
_LANGUAGE_CLASS = re.compile(r"language-[A-Za-z0-9_+#.-]{1,40}")


def _attributes(embeds: bool) -> dict[str, set[str]]:
    allowed = {tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()}
    allowed["a"] = allowed.get("a", set()) | {"title"}
    allowed["img"] = allowed.get("img", set()) | IMG_ATTRIBUTES
    allowed["code"] = {"class"}
    allowed["pre"] = {"class"}
    allowed.update({tag: set(attrs) for tag, attrs in MEDIA_ATTRIBUTES.items()})
    if embeds:
        allowed["iframe"] = set(IFRAME_ATTRIBUTES)
    return allowed


def embed_allowed(src: str | None, hosts: Iterable[str]) -> bool:
    """An https URL whose host is on the allow-list (exactly: no subdomain wildcards)."""
    if not src:
        return False
    parts = urlsplit(src.strip())
    return parts.scheme == "https" and (parts.hostname or "") in set(hosts)


def _src_set_allowed(value: str) -> bool:
    """Every candidate's URL is http(s) or relative (as ``src`` must be)."""
    for candidate in value.split(","):
        url = candidate.strip().split(" ", 1)[0]
        if url and urlsplit(url).scheme not in ("", "http", "https"):
            return False
    return True


def _img_attribute(attribute: str, value: str) -> str | None:
    if attribute == "data-asset-id":
        return value if value.strip().isdigit() else None
    if attribute in IMG_KEYWORDS:
        return value if value.strip().lower() in IMG_KEYWORDS[attribute] else None
    if attribute == "srcset":
        return value if _src_set_allowed(value) else None
    return value


def sanitize_html(markup: str, embed_hosts: frozenset[str] = frozenset()) -> str:
    def keep(tag: str, attribute: str, value: str) -> str | None:
        if attribute == "class":
            languages = [c for c in value.split() if _LANGUAGE_CLASS.fullmatch(c)]
            return " ".join(languages) or None
        if tag == "iframe" and attribute == "src":
            return value if embed_allowed(value, embed_hosts) else None
        if tag == "img":
            return _img_attribute(attribute, value)
        if attribute == "poster":
            return value if urlsplit(value.strip()).scheme in ("http", "https") else None
        return value

    tags = set(nh3.ALLOWED_TAGS) | set(MEDIA_ATTRIBUTES) | ({"iframe"} if embed_hosts else set())
    return nh3.clean(
        markup,
        tags=tags,
        attributes=_attributes(bool(embed_hosts)),
        attribute_filter=keep,
        clean_content_tags={"script", "style"},
        url_schemes=URL_SCHEMES,
        strip_comments=True,
        link_rel="noopener noreferrer",
    ).strip()


class _Inventory(HTMLParser):
    """Counts of elements, (element, attribute) pairs, (element, class) pairs and comments."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: Counter[str] = Counter()
        self.attributes: Counter[tuple[str, str]] = Counter()
        self.classes: Counter[tuple[str, str]] = Counter()
        self.comments = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        for name, value in attrs:
            if name == "class":
                self.classes.update((tag, c) for c in (value or "").split())
            else:
                self.attributes[(tag, name)] += 1

    handle_startendtag = handle_starttag

    def handle_comment(self, data: str) -> None:
        self.comments += 1


def _inventory(markup: str) -> _Inventory:
    found = _Inventory()
    found.feed(markup)
    found.close()
    return found


def removed(before: str, after: str) -> list[str]:
    """What the sanitiser dropped, in words a writer can act on (empty: nothing)."""
    old, new = _inventory(before), _inventory(after)
    notes = [
        f"<{tag}> element removed ({count}x)" if count > 1 else f"<{tag}> element removed"
        for tag, count in sorted((old.tags - new.tags).items())
    ]
    for (tag, name), _ in sorted((old.attributes - new.attributes).items()):
        if (tag, name) != ("a", "rel") and tag in new.tags:
            notes.append(f"`{name}` attribute removed from <{tag}>")
    for (tag, name), _ in sorted((old.classes - new.classes).items()):
        if tag in new.tags:
            notes.append(f"class `{name}` removed from <{tag}> (only language-* classes stay)")
    if old.comments > new.comments:
        notes.append("HTML comments removed")
    return notes
