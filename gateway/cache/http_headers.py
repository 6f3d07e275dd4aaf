"""HTTP caching headers: Cache-Control, strong ETags, If-None-Match, and bounded tag headers."""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict

PRIVATE = "private, no-store"
NO_STORE = "no-store"
# Browsers and CDNs must keep answers apart by content type and by credentials: a shared cache
# would otherwise be allowed to answer an authenticated request with a `public` response.
VARY = "Accept, Authorization"

_ENTITY = re.compile(r"^(article|author|category|tag):\d+$")
_SLUG = re.compile(r"^(article|author|category|tag)-slug:")
_NESTED_LIST = re.compile(r"^list:article:(author|category|tag):\d+$")
_PATH = re.compile(r"^(path):")


def strong_etag(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


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
    """The tags, sorted; past ``limit`` characters (space-joined), the most numerous kind of
    entity tag is replaced by ``skipped:<kind>`` (which every write of that kind purges), then
    slug lookups by ``skipped:<kind>``, paths by ``skipped:path`` (purged by every write that
    records a path), then nested article lists by ``list:article``."""
    result = set(tags)
    for pattern, fallback in (
        (_ENTITY, lambda m: f"skipped:{m.group(1)}"),
        (_SLUG, lambda m: f"skipped:{m.group(1)}"),
        (_PATH, lambda m: "skipped:path"),
        (_NESTED_LIST, lambda m: "list:article"),
    ):
        while _length(result) > limit:
            groups: dict[str, set[str]] = defaultdict(set)
            for tag in result:
                match = pattern.match(tag)
                if match:
                    groups[fallback(match)].add(tag)
            if not groups:
                break
            replacement, members = max(groups.items(), key=lambda kv: (len(kv[1]), kv[0]))
            result -= members
            result.add(replacement)
    return tuple(sorted(result))
