"""WordPress content mapping: post bodies (Gutenberg, classic, shortcodes), Yoast and Rank Math
meta (with their ``%%title%%`` / ``%title%`` variables), and PHP-serialised meta values.

Bodies then go through the API's sanitiser like every write; this module only turns the
WordPress spelling into plain HTML and says what it left behind.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from resolvers.site import cut_at_word, plain_text

_BLOCK_COMMENT = re.compile(r"<!--\s*/?wp:[^>]*?-->\s*", re.DOTALL)
_SHORTCODE = re.compile(r"\[(?!/)([a-zA-Z][\w-]*)(?:\s[^\]]*)?/?\]")
_BLOCK_TAG = re.compile(
    r"^\s*</?(p|div|h[1-6]|ul|ol|li|blockquote|pre|table|figure|hr|img|section|dl)\b", re.I
)
_BLANK_LINES = re.compile(r"\n\s*\n")
_VARIABLE = re.compile(r"%%?([a-z_]+)%%?")
_SEPARATORS = " -\u2013\u2014|\u00b7\u2022:"  # hyphen, en/em dash, bars and dots
_DOUBLED_SEPARATOR = re.compile(
    "(\\s[-\u2013\u2014|\u00b7\u2022]\\s)(?:[-\u2013\u2014|\u00b7\u2022]\\s)+"
)
_PHP_INT = r'"{key}";i:(\d+);'
_PHP_STRINGS = re.compile(r's:\d+:"([^"]*)";')


def clean_body(raw: str) -> tuple[str, list[str]]:
    """HTML from a post's ``content:encoded``: block comments removed (their HTML kept), classic
    posts' blank-line paragraphs made into ``<p>``, shortcodes left as text and named."""
    gutenberg = "<!-- wp:" in raw
    body = _BLOCK_COMMENT.sub("", raw) if gutenberg else raw
    if not gutenberg and "\n\n" in body.replace("\r\n", "\n"):
        body = autop(body.replace("\r\n", "\n"))
    found = sorted({m.group(1).lower() for m in _SHORTCODE.finditer(body)})
    notes = [f"shortcodes left as text: {', '.join('[' + s + ']' for s in found)}"] if found else []
    return body.strip(), notes


def autop(text: str) -> str:
    """WordPress's classic editor stores paragraphs as blank lines (``wpautop`` renders them)."""
    out = []
    for chunk in _BLANK_LINES.split(text):
        chunk = chunk.strip()
        if not chunk:
            continue
        if _BLOCK_TAG.match(chunk):
            out.append(chunk)
        else:
            out.append("<p>" + chunk.replace("\n", "<br>\n") + "</p>")
    return "\n".join(out)


def php_int(serialized: str, key: str) -> int | None:
    """An integer field of a PHP-serialised array (``_wp_attachment_metadata`` width/height)."""
    match = re.search(_PHP_INT.format(key=re.escape(key)), serialized)
    return int(match.group(1)) if match else None


def php_strings(serialized: str) -> list[str]:
    """The string values of a PHP-serialised list (``rank_math_robots``)."""
    if not serialized.startswith("a:"):
        return [serialized]
    return _PHP_STRINGS.findall(serialized)


def resolve_variables(template: str | None, context: dict[str, str]) -> str | None:
    """Yoast ``%%title%%`` and Rank Math ``%title%`` variables: known ones are filled in, the
    rest dropped; separators left dangling at either end are trimmed."""
    if not template:
        return None

    def fill(match: re.Match[str]) -> str:
        return context.get(match.group(1), "")

    text = _VARIABLE.sub(fill, template)
    text = re.sub(r"\s+", " ", text).strip(_SEPARATORS)
    text = _DOUBLED_SEPARATOR.sub(r"\1", text)
    return text or None


def seo_context(
    title: str, excerpt: str | None, body: str, site_name: str, category: str | None, date: str
) -> dict[str, str]:
    summary = excerpt or cut_at_word(plain_text(body), 156)
    return {
        "title": title,
        "sitename": site_name,
        "sitetitle": site_name,
        "sep": "-",
        "excerpt": summary,
        "excerpt_only": excerpt or "",
        "category": category or "",
        "primary_category": category or "",
        "date": date,
        "currentyear": date[:4],
        "page": "",
        "pagenumber": "",
    }


YOAST = {
    "_yoast_wpseo_title": "meta_title",
    "_yoast_wpseo_metadesc": "meta_description",
    "_yoast_wpseo_canonical": "canonical_url",
    "_yoast_wpseo_opengraph-title": "og_title",
    "_yoast_wpseo_opengraph-description": "og_description",
    "_yoast_wpseo_opengraph-image": "og_image_url",
    "_yoast_wpseo_twitter-title": "twitter_title",
    "_yoast_wpseo_twitter-description": "twitter_description",
}
RANK_MATH = {
    "rank_math_title": "meta_title",
    "rank_math_description": "meta_description",
    "rank_math_canonical_url": "canonical_url",
    "rank_math_facebook_title": "og_title",
    "rank_math_facebook_description": "og_description",
    "rank_math_facebook_image": "og_image_url",
    "rank_math_twitter_title": "twitter_title",
    "rank_math_twitter_description": "twitter_description",
}
TEMPLATED = {"meta_title", "meta_description", "og_title", "og_description", "twitter_title",
             "twitter_description"}  # fmt: skip


def seo_from_meta(
    meta: dict[str, str], context: Callable[[], dict[str, str]]
) -> dict[str, Any] | None:
    """SEO overrides from Yoast or Rank Math post meta (both may be present: Yoast wins);
    ``context`` (the variables' values) is only computed when a template needs it."""
    seo: dict[str, Any] = {}
    values: dict[str, str] | None = None
    for mapping in (RANK_MATH, YOAST):
        for key, field in mapping.items():
            value = (meta.get(key) or "").strip()
            if not value:
                continue
            if field in TEMPLATED and "%" in value:
                values = values if values is not None else context()
                seo[field] = resolve_variables(value, values)
            else:
                seo[field] = value
    robots = php_strings(meta.get("rank_math_robots", ""))
    if "noindex" in robots or meta.get("_yoast_wpseo_meta-robots-noindex") == "1":
        seo["robots_index"] = False
    if "nofollow" in robots or meta.get("_yoast_wpseo_meta-robots-nofollow") == "1":
        seo["robots_follow"] = False
    clean = {k: v for k, v in seo.items() if v is not None}
    return clean or None


def primary_category(meta: dict[str, str]) -> str | None:
    for key in ("_yoast_wpseo_primary_category", "rank_math_primary_category"):
        value = (meta.get(key) or "").strip()
        if value.isdigit():
            return value
    return None
