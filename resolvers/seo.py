"""SEO metadata with fallbacks: explicit overrides first, then values computed from content."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from resolvers.site import Site, cut_at_word


@dataclass(frozen=True, slots=True)
class SeoData:
    title: str
    description: str | None
    canonical_url: str
    robots: str
    noindex: bool
    nofollow: bool


def build_seo(
    site: Site,
    *,
    title: str,
    fallback_description: str | None,
    url: str,
    public: bool,
    meta: Any | None,
) -> SeoData:
    """Apply the fallback rules; anything that is not public is never indexable.

    ``fallback_description`` is plain text (the excerpt, or the body's text)."""
    explicit_title = meta.meta_title if meta is not None else None
    description = meta.meta_description if meta is not None and meta.meta_description else None
    if description is None and fallback_description:
        description = cut_at_word(fallback_description)
    index = public and (meta is None or meta.robots_index)
    follow = meta is None or meta.robots_follow
    directives = ["index" if index else "noindex", "follow" if follow else "nofollow"]
    if index:
        directives.append("max-image-preview:large")
    if meta is not None and meta.robots_extra:
        directives.append(meta.robots_extra)
    return SeoData(
        title=explicit_title or site.title(title),
        description=description or None,
        canonical_url=(meta.canonical_url if meta is not None and meta.canonical_url else url),
        robots=", ".join(directives),
        noindex=not index,
        nofollow=not follow,
    )
