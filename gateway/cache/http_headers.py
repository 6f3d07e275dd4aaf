"""HTTP caching headers: Cache-Control, strong ETags, If-None-Match, and bounded tag headers.

The one place for them: the GraphQL endpoint and the plain endpoints (sitemaps, feeds,
robots.txt, through ``gateway.http.conditional``) compute and compare ETags here.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from typing import Protocol

from resolvers.cache_tags import FALLBACK_STEPS, covering_tag


class Digest(Protocol):
    """A running hash (``hashlib.sha256()``, ...)."""

    def hexdigest(self) -> str: ...


PRIVATE = "private, no-store"
NO_STORE = "no-store"
# Browsers and CDNs must keep answers apart by content type and by credentials: a shared cache
# would otherwise be allowed to answer an authenticated request with a `public` response.
VARY = "Accept, Authorization"


def vary(by_language: bool) -> str:
    """``Vary`` of a GraphQL answer; with Accept-Language when it may choose the locale
    (GATEWAY_LOCALE_FROM_ACCEPT_LANGUAGE)."""
    return f"{VARY}, Accept-Language" if by_language else VARY


def etag_of(digest: Digest) -> str:
    """A strong ETag from a hash of the exact body bytes (fed whole or while streaming)."""
    return f'"{digest.hexdigest()[:32]}"'


def strong_etag(body: bytes) -> str:
    """SHA-256, as the feeds and sitemaps hash their bodies: OpenSSL's, with the CPU's SHA
    instructions where it has them (a 26 KB home page: 15 us here, blake2b 28 us)."""
    return etag_of(hashlib.sha256(body))


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 If-None-Match: weak comparison, a list of tags, or `*`."""
    if not if_none_match:
        return False
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == etag:
            return True
    return False


def public_cache_control(
    max_age: int, s_maxage: int, stale: int, cap_seconds: float | None = None
) -> str:
    """``cap_seconds``: the answer turns wrong then (a scheduled article goes public), so no
    cache may keep it, fresh or stale, past that moment."""
    if cap_seconds is not None:
        cap = max(0, int(cap_seconds))
        max_age, s_maxage = min(max_age, cap), min(s_maxage, cap)
        stale = max(0, min(stale, cap - max(max_age, s_maxage)))
    return f"public, max-age={max_age}, s-maxage={s_maxage}, stale-while-revalidate={stale}"


def _length(tags: set[str]) -> int:
    return sum(len(t) + 1 for t in tags) - 1 if tags else 0


def bounded_tags(tags: set[str], limit: int) -> tuple[str, ...]:
    """The tags, sorted; past ``limit`` characters (space-joined), the most numerous family of
    tags is replaced by the tag that covers it (``resolvers.cache_tags.covering_tag``: entities
    and slug lookups by ``skipped:<kind>``, paths by ``skipped:path``, nested article lists by
    ``list:article``), one fallback step after another."""
    if _length(tags) <= limit:
        return tuple(sorted(tags))  # the common case: nothing to replace
    result = set(tags)
    for step in range(FALLBACK_STEPS):
        while _length(result) > limit:
            groups: dict[str, set[str]] = defaultdict(set)
            for tag in result:
                cover = covering_tag(tag, step)
                if cover is not None:
                    groups[cover].add(tag)
            if not groups:
                break
            replacement, members = max(groups.items(), key=lambda kv: (len(kv[1]), kv[0]))
            result -= members
            result.add(replacement)
    return tuple(sorted(result))
