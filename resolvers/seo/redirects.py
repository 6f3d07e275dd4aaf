"""Redirects, write side: path normalisation, the redirect rules, and their storage.

Rules (URLs, routing and redirects; enforced here for every writer — mutations,
automatic slug-change redirects and the CSV import):

- Paths are stored normalised (``normalize_path``): percent-decoded, lower-case, duplicate
  slashes collapsed, no trailing slash, no query string or fragment.
- Chains collapse. Invariant: no stored redirect points at a path that is itself redirected.
  Adding A→B when B→C exists stores A→C; adding B→C when A→B exists rewrites A→C too.
- A redirect that would loop (its target leads back to its source) is refused
  (``REDIRECT_LOOP``); so is one whose source is a live path — the path of an existing author,
  category, tag or non-archived article (``SHADOWS_LIVE_PATH``).
- Content that moves writes a 301 from its old path (``record_move``); content that takes a path
  removes a stale redirect from it (``claim_path``); deleted content answers 410 Gone
  (``record_gone``), and redirects that pointed at it become 410 too.

Reading redirects (``route``, ``redirect(path)``, the ``redirects`` connection) lives elsewhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import unquote, urlsplit

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.changes import ChangeSet
from resolvers.commands import Problems
from resolvers.models import article_t, author_t, category_t, redirect_t, tag_t
from resolvers.site import Site

r = redirect_t
STATUS_CODES = (301, 302, 307, 308, 410)
MAX_PATH = 500
_SLASHES = re.compile(r"/{2,}")
_BAD_PATH_CHARS = re.compile(r"[\x00-\x20\x7f<>\"\\]")
_PLACEHOLDER = re.compile(r"(\{[a-z_]+\})")


def normalize_path(raw: str) -> str:
    """The canonical spelling of a site path: ``/Articles//Foo/?x=1`` → ``/articles/foo``."""
    value = raw.strip().split("#", 1)[0].split("?", 1)[0]
    value = _SLASHES.sub("/", "/" + unquote(value))
    if len(value) > 1:
        value = value.rstrip("/") or "/"
    return value.lower()


def entity_path(site: Site, kind: str, slug: str, locale: str | None = None) -> str:
    return normalize_path(site.path(kind, slug, locale))


@dataclass(frozen=True, slots=True)
class Target:
    """Where a redirect points: a normalised site path, an external URL, or nowhere (410)."""

    location: str | None
    internal: bool


def check_source(problems: Problems, path: tuple[str, ...], raw: str | None) -> str | None:
    if raw is None or not raw.strip():
        problems.add(path, "The path to redirect from is required.", "REQUIRED")
        return None
    if not raw.strip().startswith("/"):
        problems.add(path, f"{raw[:80]!r} is not a path: it must start with /.", "INVALID_PATH")
        return None
    value = normalize_path(raw)
    if _BAD_PATH_CHARS.search(value) or len(value) > MAX_PATH:
        problems.add(
            path, f"{raw[:80]!r} is not a valid path (at most {MAX_PATH} characters, "
            "no spaces or quotes).", "INVALID_PATH",
        )  # fmt: skip
        return None
    return value


def check_target(
    problems: Problems, path: tuple[str, ...], raw: str | None, status: int, site: Site
) -> Target | None:
    """A path or absolute http(s) URL; absolute URLs on this site are stored as paths."""
    if status == 410:
        if raw is not None and raw.strip():
            problems.add(path, "A 410 (Gone) redirect has no target.", "INVALID_PATH")
            return None
        return Target(None, internal=False)
    if raw is None or not raw.strip():
        problems.add(path, f"A {status} redirect needs a target path or URL.", "REQUIRED")
        return None
    raw = raw.strip()
    parts = urlsplit(raw)
    if parts.scheme or parts.netloc:
        own = urlsplit(site.url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            problems.add(path, "A target URL must be http(s).", "INVALID_URL")
            return None
        if parts.netloc.lower() != own.netloc.lower():
            if len(raw) > MAX_PATH or _BAD_PATH_CHARS.search(raw):
                problems.add(path, "The target URL is not valid.", "INVALID_URL")
                return None
            return Target(raw, internal=False)
        raw = parts.path or "/"
    location = check_source(problems, path, raw)
    return None if location is None else Target(location, internal=True)


async def find(session: AsyncSession, from_path: str) -> Any | None:
    return (await session.execute(select(r).where(r.c.from_path == from_path))).first()


def _pattern(pattern: str, localized: bool) -> re.Pattern[str]:
    regex = ""
    for part in _PLACEHOLDER.split(pattern.lower()):
        if part == "{slug}":
            regex += "(?P<slug>[^/]+)"
        elif _PLACEHOLDER.fullmatch(part):
            regex += "[^/]+"
        else:
            regex += re.escape(part)
    prefix = "(?:/(?P<locale>[^/]+))?" if localized else ""
    return re.compile(prefix + regex + r"\Z")


async def live_owner(session: AsyncSession, site: Site, path: str) -> str | None:
    """What lives at ``path`` (e.g. "the article 'x'"), or None: drafts and scheduled articles
    count (they will go live there), archived articles do not."""
    tables = {"author": author_t, "category": category_t, "tag": tag_t}
    for kind, pattern in (
        ("article", site.article_path),
        ("author", site.author_path),
        ("category", site.category_path),
        ("tag", site.tag_path),
    ):
        match = _pattern(pattern, localized=kind == "article").match(path)
        if match is None:
            continue
        slug = match.group("slug")
        if kind == "article":
            locale = match.group("locale") or site.default_locale.lower()
            if match.group("locale") == site.default_locale.lower():
                continue  # the default locale's paths carry no prefix
            found = await session.scalar(
                select(article_t.c.id).where(
                    article_t.c.slug == slug,
                    article_t.c.locale == locale,
                    article_t.c.status != "archived",
                )
            )
        else:
            table = tables[kind]
            found = await session.scalar(select(table.c.id).where(table.c.slug == slug))
        if found is not None:
            return f"the {kind} {slug!r}"
    return None


def _record(changes: ChangeSet, row_id: int, action: str, path: str) -> None:
    changes.record("redirect", row_id, action, before=[path], after=[path])


async def _collapse_inbound(
    session: AsyncSession, path: str, target: Target, actor: str | None, changes: ChangeSet
) -> None:
    """Redirects that pointed at ``path`` now point where ``path`` points (or are Gone too)."""
    inbound = (
        await session.execute(select(r.c.id, r.c.from_path).where(r.c.to_path == path))
    ).all()
    if not inbound:
        return
    values: dict[str, Any] = {"to_path": target.location, "updated_by": actor}
    if target.location is None:
        values["status_code"] = 410
    await session.execute(update(r).where(r.c.id.in_([i.id for i in inbound])).values(**values))
    for row in inbound:
        _record(changes, row.id, "updated", row.from_path)


async def _insert(
    session: AsyncSession,
    from_path: str,
    target: Target,
    status: int,
    actor: str | None,
    now: datetime,
    changes: ChangeSet,
) -> Any:
    row = (
        await session.execute(
            insert(r)
            .values(
                from_path=from_path,
                to_path=target.location,
                status_code=status,
                created_at=now,
                created_by=actor,
                updated_by=actor,
            )
            .returning(*r.c)
        )
    ).one()
    _record(changes, row.id, "created", from_path)
    await _collapse_inbound(session, from_path, target, actor, changes)
    return row


async def resolve_target(session: AsyncSession, target: Target) -> Target:
    """Follow one hop: by the invariant, a redirected target's own target is final."""
    if not target.internal or target.location is None:
        return target
    hop = await find(session, target.location)
    if hop is None:
        return target
    return Target(hop.to_path, internal=hop.to_path is not None and hop.to_path.startswith("/"))


async def add_redirect(
    session: AsyncSession,
    site: Site,
    problems: Problems,
    *,
    from_path: str,
    target: Target,
    status: int,
    actor: str | None,
    now: datetime,
    changes: ChangeSet,
    paths: tuple[tuple[str, ...], tuple[str, ...]] = (("from_path",), ("to_path",)),
) -> Any | None:
    """A redirect an editor asked for, with every rule checked; problems are recorded, not
    raised, so the CSV import can report them per row."""
    source_path, target_path = paths
    existing = await find(session, from_path)
    if existing is not None:
        where = existing.to_path or "410 Gone"
        problems.add(
            source_path, f"{from_path} already redirects ({where}); delete that first.",
            "DUPLICATE",
        )  # fmt: skip
        return None
    owner = await live_owner(session, site, from_path)
    if owner is not None:
        problems.add(
            source_path,
            f"{from_path} is the live path of {owner}; a redirect there would hide it.",
            "SHADOWS_LIVE_PATH",
        )
        return None
    final = await resolve_target(session, target)
    if target.internal and final.location is None:
        problems.add(
            target_path, f"{target.location} answers 410 Gone; redirect to its replacement.",
            "TARGET_GONE",
        )  # fmt: skip
        return None
    if final.internal and final.location == from_path:
        via = f" (via {target.location})" if target.location != from_path else ""
        problems.add(
            target_path, f"Redirecting {from_path} to {final.location}{via} would loop.",
            "REDIRECT_LOOP",
        )  # fmt: skip
        return None
    return await _insert(session, from_path, final, status, actor, now, changes)


async def claim_path(session: AsyncSession, path: str, changes: ChangeSet) -> None:
    """Content now lives at ``path``: a redirect from it is stale (reused slug)."""
    stale = await find(session, path)
    if stale is not None:
        await session.execute(delete(r).where(r.c.id == stale.id))
        _record(changes, stale.id, "deleted", path)


async def record_move(
    session: AsyncSession,
    old_path: str,
    new_path: str,
    actor: str | None,
    now: datetime,
    changes: ChangeSet,
) -> None:
    """Content moved: 301 from the old path, chains collapsed onto the new one."""
    await claim_path(session, new_path, changes)
    if old_path == new_path:
        return
    await claim_path(session, old_path, changes)  # an old row there would break the invariant
    await _insert(session, old_path, Target(new_path, True), 301, actor, now, changes)


async def record_gone(
    session: AsyncSession, path: str, actor: str | None, now: datetime, changes: ChangeSet
) -> None:
    """Content deleted: its path (and every redirect to it) answers 410 Gone."""
    await claim_path(session, path, changes)
    await _insert(session, path, Target(None, False), 410, actor, now, changes)


async def remove_redirect(
    session: AsyncSession, redirect_id: int, changes: ChangeSet
) -> Any | None:
    row = (await session.execute(select(r).where(r.c.id == redirect_id))).first()
    if row is not None:
        await session.execute(delete(r).where(r.c.id == redirect_id))
        _record(changes, row.id, "deleted", row.from_path)
    return row
