"""URL patterns read backwards: a request path -> the entities it may name.

Patterns are settings such as ``/articles/{slug}`` or ``/{category}/{slug}`` (articles only);
articles in a non-default locale get a ``/<locale>`` prefix. Plain Python over ``Site``: the cache
tags of a write and route resolution both read paths through here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from string import Formatter

from resolvers.site import Site

KINDS = ("article", "author", "category", "tag")
# A locale prefix such as /de or /pt-br (BCP 47 language plus optional subtags).
LOCALE_RE = r"[a-z]{2,3}(?:-[a-z0-9]{2,8})*"


def parts(pattern: str) -> list[tuple[str, str | None]]:
    """The pattern as (literal text, placeholder name or None) pairs."""
    return [(text, name) for text, name, _, _ in Formatter().parse(pattern)]


@dataclass(frozen=True, slots=True)
class PathMatch:
    """One reading of a request path: ``kind`` named by ``slug`` (and maybe category/locale)."""

    kind: str
    slug: str
    category: str | None = None
    locale: str | None = None  # None: no prefix, i.e. the default locale


def _regex(pattern: str) -> str:
    out = []
    for text, name in parts(pattern):
        out.append(re.escape(text))
        if name is not None:
            out.append(f"(?P<{name}>[^/]+)")
    return "".join(out)


def match_path(site: Site, path: str) -> list[PathMatch]:
    """Every pattern the (normalised, lower-case) path fits, most specific first.

    Specificity is the number of literal characters in the pattern, so ``/authors/{slug}`` is
    tried before a catch-all article pattern such as ``/{category}/{slug}``.
    """
    found: list[tuple[int, PathMatch]] = []
    for kind in KINDS:
        pattern = site.pattern(kind)
        literal_length = sum(len(text) for text, _ in parts(pattern))
        body = _regex(pattern.lower())
        candidates = [(re.fullmatch(body, path), False)]
        if kind == "article":
            with_locale = re.fullmatch(f"/(?P<locale>{LOCALE_RE}){body}", path)
            candidates.append((with_locale, True))
        for match, prefixed in candidates:
            if match is None:
                continue
            groups = match.groupdict()
            locale = groups.get("locale") if prefixed else None
            weight = literal_length + (1 if prefixed else 0)
            found.append((weight, PathMatch(kind, groups["slug"], groups.get("category"), locale)))
    found.sort(key=lambda item: -item[0])
    return [m for _, m in found]
